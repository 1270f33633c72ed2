import { createHash } from 'node:crypto';
import type { CheckpointSigner } from './checkpoint-signer.js';
import { crc32c } from './crc32c.js';
import { GoogleApiError, type GoogleClientOptions, googleRequest, jsonBody } from './google-api.js';
import {
  type SignatureAlgorithm,
  type SignerKey,
  signerKeyOf,
  verifySignature,
} from './signature-algorithm.js';

/** Options of {@link createKmsSigner}. */
export interface KmsSignerOptions extends GoogleClientOptions {
  /** `projects/*\/locations/*\/keyRings/*\/cryptoKeys/*\/cryptoKeyVersions/*`. */
  readonly keyVersion: string;
  /** API root. Default `https://cloudkms.googleapis.com`. */
  readonly endpoint?: string | undefined;
}

const keyVersionPattern =
  /^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+\/cryptoKeyVersions\/[^/]+$/;

/** Cloud KMS algorithms a checkpoint can be signed with, and what they are called here. */
const kmsAlgorithms: Readonly<Record<string, SignatureAlgorithm>> = {
  EC_SIGN_ED25519: 'ed25519',
  EC_SIGN_P256_SHA256: 'ecdsa-p256-sha256',
};

/**
 * A {@link CheckpointSigner} backed by a Cloud KMS asymmetric key version, over the REST API
 * (`GET …/publicKey`, `POST …:asymmetricSign`) with the workload's access token. The private key
 * never leaves KMS. CRC32C checksums protect request and response in transit (as Google's
 * data-integrity guidelines ask), and every signature is verified locally against the public key
 * before it is used.
 *
 * `EC_SIGN_P256_SHA256` keys are sent the SHA-256 digest of the message; `EC_SIGN_ED25519` keys the
 * message itself (32 bytes).
 *
 * @throws {TypeError} at construction for a malformed key version name.
 * @example
 * const signer = createKmsSigner({
 *   keyVersion: 'projects/p/locations/europe-west1/keyRings/audit/cryptoKeys/checkpoints/cryptoKeyVersions/1',
 *   accessToken: metadataServerToken(),
 * });
 */
export function createKmsSigner(options: KmsSignerOptions): CheckpointSigner {
  if (!keyVersionPattern.test(options.keyVersion)) {
    throw new TypeError(
      `KMS key version must be projects/*/locations/*/keyRings/*/cryptoKeys/*/cryptoKeyVersions/*, got ${JSON.stringify(options.keyVersion)}`,
    );
  }
  const base = `${(options.endpoint ?? 'https://cloudkms.googleapis.com').replace(/\/$/, '')}/v1/${options.keyVersion}`;
  let keyPromise: Promise<SignerKey> | undefined;

  const fetchKey = async (): Promise<SignerKey> => {
    const what = `KMS publicKey ${options.keyVersion}`;
    const body = await jsonBody(await googleRequest(options, what, `${base}/publicKey`), what);
    if (typeof body.pem !== 'string') throw new GoogleApiError(`${what}: no pem in the response`, 200);
    if (body.name !== undefined && body.name !== options.keyVersion) {
      throw new GoogleApiError(`${what}: the response names another key version (${String(body.name)})`, 200);
    }
    if (body.pemCrc32c !== undefined && Number(body.pemCrc32c) !== crc32c(Buffer.from(body.pem, 'utf8'))) {
      throw new GoogleApiError(`${what}: pemCrc32c does not match (corrupted in transit)`, 200);
    }
    const algorithm = kmsAlgorithms[String(body.algorithm)];
    if (!algorithm) {
      throw new GoogleApiError(
        `${what}: algorithm ${String(body.algorithm)} cannot sign checkpoints (use EC_SIGN_P256_SHA256 or EC_SIGN_ED25519)`,
        200,
      );
    }
    const key = signerKeyOf(body.pem);
    if (key.algorithm !== algorithm)
      throw new GoogleApiError(`${what}: the key does not match ${algorithm}`, 200);
    return key;
  };

  const key = (): Promise<SignerKey> => {
    keyPromise ??= fetchKey().catch((error: unknown) => {
      keyPromise = undefined;
      throw error;
    });
    return keyPromise;
  };

  return Object.freeze({
    description: options.keyVersion,
    key,
    async sign(message: Uint8Array): Promise<Uint8Array> {
      const signerKey = await key();
      const what = `KMS asymmetricSign ${options.keyVersion}`;
      const request =
        signerKey.algorithm === 'ed25519'
          ? { data: Buffer.from(message).toString('base64'), dataCrc32c: String(crc32c(message)) }
          : (() => {
              const digest = createHash('sha256').update(message).digest();
              return { digest: { sha256: digest.toString('base64') }, digestCrc32c: String(crc32c(digest)) };
            })();
      const response = await googleRequest(options, what, `${base}:asymmetricSign`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request),
      });
      const body = await jsonBody(response, what);
      if (body.name !== undefined && body.name !== options.keyVersion) {
        throw new GoogleApiError(
          `${what}: the response names another key version (${String(body.name)})`,
          200,
        );
      }
      const verified =
        signerKey.algorithm === 'ed25519' ? body.verifiedDataCrc32c : body.verifiedDigestCrc32c;
      if (verified !== true) {
        throw new GoogleApiError(
          `${what}: KMS did not confirm the request checksum (corrupted in transit)`,
          200,
        );
      }
      if (typeof body.signature !== 'string')
        throw new GoogleApiError(`${what}: no signature in the response`, 200);
      const signature = Buffer.from(body.signature, 'base64');
      if (body.signatureCrc32c !== undefined && Number(body.signatureCrc32c) !== crc32c(signature)) {
        throw new GoogleApiError(`${what}: signatureCrc32c does not match (corrupted in transit)`, 200);
      }
      if (!verifySignature(signerKey, message, signature)) {
        throw new GoogleApiError(`${what}: the signature does not verify against the key's public key`, 200);
      }
      return new Uint8Array(signature);
    },
  });
}
