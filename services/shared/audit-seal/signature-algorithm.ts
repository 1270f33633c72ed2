import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';

/**
 * How a checkpoint is signed. `ed25519`: pure Ed25519 (RFC 8032) over the 32-byte checkpoint
 * message. `ecdsa-p256-sha256`: ECDSA on P-256 over SHA-256 of that message, DER-encoded (what
 * Cloud KMS `EC_SIGN_P256_SHA256` returns).
 */
export type SignatureAlgorithm = 'ed25519' | 'ecdsa-p256-sha256';

export const signatureAlgorithms: readonly SignatureAlgorithm[] = ['ed25519', 'ecdsa-p256-sha256'];

/** A public signing key as checkpoints carry it. */
export interface SignerKey {
  /** Lower-case hex SHA-256 of the DER SubjectPublicKeyInfo: intrinsic to the key, not a label. */
  readonly keyId: string;
  readonly algorithm: SignatureAlgorithm;
  /** DER SubjectPublicKeyInfo, base64. */
  readonly publicKey: string;
}

/** The key id of a DER SubjectPublicKeyInfo. */
export function keyIdOf(spkiDer: Uint8Array): string {
  return createHash('sha256').update(spkiDer).digest('hex');
}

/**
 * Describes a public key (PEM, DER or a `KeyObject`): its id, algorithm and SPKI.
 *
 * @throws {TypeError} for a key that is neither Ed25519 nor P-256.
 * @example
 * const key = signerKeyOf(await readFile('checkpoint-signing-key.pub.pem', 'utf8'));
 */
export function signerKeyOf(key: string | Buffer | KeyObject): SignerKey {
  const object =
    typeof key === 'string'
      ? createPublicKey(key)
      : Buffer.isBuffer(key)
        ? createPublicKey({ key, format: 'der', type: 'spki' })
        : key.type === 'private'
          ? createPublicKey(key)
          : key;
  const spki = object.export({ format: 'der', type: 'spki' });
  return { keyId: keyIdOf(spki), algorithm: algorithmOf(object), publicKey: spki.toString('base64') };
}

function algorithmOf(key: KeyObject): SignatureAlgorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return 'ecdsa-p256-sha256';
  }
  throw new TypeError(
    `unsupported checkpoint signing key (${key.asymmetricKeyType ?? 'unknown'}): use Ed25519 or ECDSA P-256`,
  );
}

/**
 * Verifies a checkpoint signature. False (never a throw) for a wrong signature, a malformed one, or
 * a key that does not match its declared id and algorithm.
 */
export function verifySignature(key: SignerKey, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    const spki = Buffer.from(key.publicKey, 'base64');
    const object = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    if (keyIdOf(spki) !== key.keyId || algorithmOf(object) !== key.algorithm) return false;
    return key.algorithm === 'ed25519'
      ? verify(null, message, object, signature)
      : verify('sha256', message, { key: object, dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}
