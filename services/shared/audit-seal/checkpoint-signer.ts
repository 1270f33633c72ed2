import type { SignerKey } from './signature-algorithm.js';

/**
 * Signs checkpoints. Implementations: {@link loadOrCreateLocalSigner} (Ed25519 key file, local use)
 * and {@link createKmsSigner} (Cloud KMS, production); the private key never leaves either.
 *
 * @example
 * const key = await signer.key();
 * const signature = await signer.sign(checkpointMessage(body));
 * verifySignature(key, checkpointMessage(body), signature); // true
 */
export interface CheckpointSigner {
  /** Where the key lives, for logs (a file path or a KMS key version name; never key material). */
  readonly description: string;
  /** The public half: key id, algorithm, SPKI. May ask a remote service once, then cached. */
  key(): Promise<SignerKey>;
  /** Signs a checkpoint message with {@link SignerKey.algorithm}. */
  sign(message: Uint8Array): Promise<Uint8Array>;
}
