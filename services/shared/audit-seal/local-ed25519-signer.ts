import { createPrivateKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckpointSigner } from './checkpoint-signer.js';
import { type SignerKey, signerKeyOf } from './signature-algorithm.js';
import { writeFileOnce } from './write-once-file.js';

/** File names inside the directory given to {@link loadOrCreateLocalSigner}. */
export const LOCAL_SIGNING_KEY_FILE = 'checkpoint-signing-key.pem';
export const LOCAL_PUBLIC_KEY_FILE = 'checkpoint-signing-key.pub.pem';

/** A local signer and where its public key was written (hand it to `mcp-audit verify --public-key`). */
export interface LocalSigner extends CheckpointSigner {
  readonly publicKeyFile: string;
}

/**
 * Loads the local Ed25519 checkpoint key from `dir`, generating it on first use: a PKCS#8 PEM file
 * with mode 0600 in a directory created 0700 (created exclusively, so replicas starting together
 * agree on one key), plus the public key as an SPKI PEM file beside it. For local use; production
 * signs with Cloud KMS.
 *
 * @throws {Error} naming the file when it exists but does not hold an Ed25519 private key.
 * @example
 * const signer = await loadOrCreateLocalSigner(`${dataDir}/audit-seal`);
 * const signature = await signer.sign(message);
 */
export async function loadOrCreateLocalSigner(dir: string): Promise<LocalSigner> {
  if (typeof dir !== 'string' || dir === '') throw new TypeError('"dir" must be a non-empty path');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, LOCAL_SIGNING_KEY_FILE);
  let privateKey = await readPrivateKey(file);
  if (!privateKey) {
    const generated = generateKeyPairSync('ed25519').privateKey;
    await writeFileOnce(file, generated.export({ format: 'pem', type: 'pkcs8' }), 0o600);
    // Whoever won the race wrote the key everybody uses.
    privateKey = await readPrivateKey(file);
    if (!privateKey) throw new Error(`checkpoint signing key ${file} vanished while it was being created`);
  }
  const key: SignerKey = signerKeyOf(privateKey);
  if (key.algorithm !== 'ed25519') throw new Error(`checkpoint signing key ${file} is not an Ed25519 key`);
  const publicKeyFile = join(dir, LOCAL_PUBLIC_KEY_FILE);
  await writeFileOnce(publicKeyFile, publicPem(key), 0o644);
  const signingKey = privateKey;
  return Object.freeze({
    description: file,
    publicKeyFile,
    key: async () => key,
    sign: async (message: Uint8Array) => new Uint8Array(sign(null, message, signingKey)),
  });
}

async function readPrivateKey(file: string): Promise<KeyObject | undefined> {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return createPrivateKey(pem);
  } catch (error) {
    throw new Error(
      `checkpoint signing key ${file} is not a PEM private key (restore it; it is never replaced)`,
      {
        cause: error,
      },
    );
  }
}

function publicPem(key: SignerKey): string {
  const lines = key.publicKey.match(/.{1,64}/g) ?? [];
  return `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----\n`;
}
