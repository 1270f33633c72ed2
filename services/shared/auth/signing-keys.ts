import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK } from 'jose';
import { MAX_ACCESS_TOKEN_TTL_SECONDS, type SigningAlgorithm } from './sign-access-token.js';
import {
  createKeyFileExclusive,
  publicMembers,
  readKeyFile,
  replaceKeyFile,
  type StoredSigningKey,
  serializeKeys,
  toStoredKey,
} from './signing-key-file.js';
import { MAX_CLOCK_TOLERANCE_SECONDS } from './verify-access-token.js';

/** The name of the key file inside the directory given to {@link loadOrCreateSigningKeys}. */
export const SIGNING_KEYS_FILE_NAME = 'signing-keys.json';

/** The key that signs new tokens. */
export interface SigningKey {
  /** RFC 7638 SHA-256 thumbprint of the public key. */
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly privateKey: CryptoKey;
  readonly createdAt: Date;
}

/** A JSON Web Key Set (RFC 7517 §5). */
export interface JsonWebKeySet {
  keys: JWK[];
}

/** The token service's signing keys, as loaded from the key file. */
export interface SigningKeys {
  /** The key file's path. */
  readonly file: string;
  /** The newest key: sign new tokens with it. */
  readonly current: SigningKey;
  /**
   * The public JWKS to serve: the current key first, then older keys whose `retire_after` has not
   * passed, so tokens they signed keep verifying until they expire.
   */
  publicJwks(): JsonWebKeySet;
  /** The same keys with their private parts (for oidc-provider's `jwks`), current first. */
  privateJwks(): JsonWebKeySet;
}

/** Options of {@link loadOrCreateSigningKeys}. */
export interface LoadSigningKeysOptions {
  /** Algorithm of the key generated when the file does not exist yet. Default `ES256`. */
  readonly alg?: SigningAlgorithm;
  /** The clock (key creation time, which keys are retired). Default `() => new Date()`. */
  readonly now?: () => Date;
}

/** Options of {@link rotateSigningKey}. */
export interface RotateSigningKeyOptions extends LoadSigningKeysOptions {
  /**
   * How long tokens signed by the replaced key can stay valid; the key stays published that long
   * plus the largest verifier clock tolerance. Default {@link MAX_ACCESS_TOKEN_TTL_SECONDS}.
   */
  readonly maxTokenLifetimeSeconds?: number;
}

/**
 * Loads the token service's signing keys from `${dir}/signing-keys.json`, generating an ES256 (or
 * EdDSA) key on first use. The file is a private JWK set (mode 0600, in a directory created 0700),
 * written atomically; every key has `kid` (RFC 7638 thumbprint), `alg`, `use: 'sig'` and
 * `created_at`. What is read is validated; a corrupt file is an `AppError` (`ERR_CONFIG_INVALID`)
 * naming the file and is never replaced.
 *
 * @example
 * ```ts
 * const keys = await loadOrCreateSigningKeys(config.dataDir);
 * app.get('/jwks', () => keys.publicJwks());
 * const token = await signAccessToken(claims, keys.current);
 * ```
 */
export async function loadOrCreateSigningKeys(
  dir: string,
  options: LoadSigningKeysOptions = {},
): Promise<SigningKeys> {
  const { alg = 'ES256', now = () => new Date() } = validateOptions(options);
  const file = await prepareFile(dir);
  const existing = await readKeyFile(file);
  if (existing) return toSigningKeys(file, existing, now);

  const created = [await generateKey(alg, now())];
  if (await createKeyFileExclusive(file, serializeKeys(created))) return toSigningKeys(file, created, now);
  // Another process created the file between our read and our link: use its key.
  const winner = await readKeyFile(file);
  if (!winner) throw new Error(`signing key file ${file} vanished while it was being created`);
  return toSigningKeys(file, winner, now);
}

/**
 * Adds a new current signing key. Keys it replaces stay published until `retire_after` (now plus
 * the longest token lifetime plus clock tolerance); keys already past theirs are removed from the
 * file. Creates the file when there is none. Rotation is an operator action: run one at a time.
 *
 * @example
 * ```ts
 * const keys = await rotateSigningKey(config.dataDir, { maxTokenLifetimeSeconds: 3600 });
 * console.log(`now signing with ${keys.current.kid}`);
 * ```
 */
export async function rotateSigningKey(
  dir: string,
  options: RotateSigningKeyOptions = {},
): Promise<SigningKeys> {
  const { now = () => new Date() } = validateOptions(options);
  const { maxTokenLifetimeSeconds = MAX_ACCESS_TOKEN_TTL_SECONDS } = options;
  if (!Number.isInteger(maxTokenLifetimeSeconds) || maxTokenLifetimeSeconds <= 0) {
    throw new TypeError('"maxTokenLifetimeSeconds" must be a positive integer');
  }
  const file = await prepareFile(dir);
  const existing = await readKeyFile(file);
  if (!existing) return loadOrCreateSigningKeys(dir, options);

  const at = now();
  const retireAfter = new Date(at.getTime() + (maxTokenLifetimeSeconds + MAX_CLOCK_TOLERANCE_SECONDS) * 1000);
  const kept = existing
    .filter((key) => !isRetired(key, at))
    .map((key) => (key.retireAfter ? key : { ...key, retireAfter }));
  const alg = options.alg ?? existing.at(-1)?.alg ?? 'ES256';
  const keys = [...kept, await generateKey(alg, at)];
  await replaceKeyFile(file, serializeKeys(keys));
  return toSigningKeys(file, keys, now);
}

function validateOptions(options: LoadSigningKeysOptions): LoadSigningKeysOptions {
  if (options.alg !== undefined && options.alg !== 'ES256' && options.alg !== 'EdDSA') {
    throw new TypeError(`"alg" must be ES256 or EdDSA, got ${String(options.alg)}`);
  }
  if (options.now !== undefined && typeof options.now !== 'function') {
    throw new TypeError('"now" must be a function returning a Date');
  }
  return options;
}

async function prepareFile(dir: string): Promise<string> {
  if (typeof dir !== 'string' || dir === '') throw new TypeError('"dir" must be a non-empty path');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return join(dir, SIGNING_KEYS_FILE_NAME);
}

async function generateKey(alg: SigningAlgorithm, createdAt: Date): Promise<StoredSigningKey> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return toStoredKey(await exportJWK(privateKey), alg, createdAt);
}

function isRetired(key: StoredSigningKey, at: Date): boolean {
  return key.retireAfter !== undefined && key.retireAfter.getTime() <= at.getTime();
}

function toSigningKeys(file: string, keys: readonly StoredSigningKey[], now: () => Date): SigningKeys {
  const newest = keys.at(-1);
  if (!newest) throw new Error(`signing key file ${file} holds no key`);
  const current: SigningKey = Object.freeze({
    kid: newest.kid,
    alg: newest.alg,
    privateKey: newest.privateKey,
    createdAt: newest.createdAt,
  });
  const published = (): StoredSigningKey[] => {
    const at = now();
    return [...keys].reverse().filter((key) => key === newest || !isRetired(key, at));
  };
  return Object.freeze({
    file,
    current,
    publicJwks: () => ({ keys: published().map((key) => publicMembers(key.jwk)) }),
    privateJwks: () => ({ keys: published().map((key) => ({ ...key.jwk })) }),
  });
}
