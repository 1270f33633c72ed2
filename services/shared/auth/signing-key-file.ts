import { randomUUID } from 'node:crypto';
import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type CryptoKey, calculateJwkThumbprint, importJWK, type JWK } from 'jose';
import { AppError } from '../errors/app-error.js';
import type { SigningAlgorithm } from './sign-access-token.js';

/** One key as held in memory: the validated private JWK and its lifecycle. */
export interface StoredSigningKey {
  /** Private JWK with `kid` (RFC 7638 thumbprint), `alg` and `use: 'sig'`, no other members. */
  readonly jwk: JWK;
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly privateKey: CryptoKey;
  readonly createdAt: Date;
  /** Once passed, the key is no longer published; set when a newer key replaces it. */
  readonly retireAfter?: Date | undefined;
}

const KEY_PARAMETERS: Record<SigningAlgorithm, { kty: string; crv: string; members: readonly string[] }> = {
  ES256: { kty: 'EC', crv: 'P-256', members: ['kty', 'crv', 'x', 'y', 'd'] },
  EdDSA: { kty: 'OKP', crv: 'Ed25519', members: ['kty', 'crv', 'x', 'd'] },
};

/** The JWK members that make up the public key (RFC 7638 §3.2 required members). */
export function publicMembers(jwk: JWK): JWK {
  const { d: _d, ...publicJwk } = jwk;
  return publicJwk;
}

/** Builds a {@link StoredSigningKey} from a freshly generated private JWK. */
export async function toStoredKey(
  jwk: JWK,
  alg: SigningAlgorithm,
  createdAt: Date,
  retireAfter?: Date,
): Promise<StoredSigningKey> {
  const { members } = KEY_PARAMETERS[alg];
  const keyMembers = Object.fromEntries(members.map((name) => [name, jwk[name as keyof JWK]])) as JWK;
  const kid = await calculateJwkThumbprint(publicMembers(keyMembers), 'sha256');
  const full: JWK = { ...keyMembers, kid, alg, use: 'sig' };
  const privateKey = (await importJWK(full, alg)) as CryptoKey;
  return { jwk: full, kid, alg, privateKey, createdAt, retireAfter };
}

/**
 * Reads and validates the key file. Resolves `undefined` when it does not exist; any other problem
 * (unreadable, not JSON, a key that is not coherent) is an `AppError` naming the file, so a corrupt
 * file is never silently replaced.
 */
export async function readKeyFile(file: string): Promise<StoredSigningKey[] | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw invalidFile(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, error);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw invalidFile(file, 'is not valid JSON', error);
  }
  if (!isRecord(document) || !Array.isArray(document.keys) || document.keys.length === 0) {
    throw invalidFile(file, 'must be a JSON object with a non-empty "keys" array');
  }
  const keys: StoredSigningKey[] = [];
  for (const [index, entry] of document.keys.entries()) {
    const key = await parseEntry(file, index, entry);
    if (keys.some((other) => other.kid === key.kid)) throw invalidFile(file, `keys[${index}]: duplicate kid`);
    keys.push(key);
  }
  if (keys.at(-1)?.retireAfter !== undefined) {
    throw invalidFile(file, 'the last key is the current signing key and must not have "retire_after"');
  }
  return keys;
}

/** Serializes keys to the file format: a private JWK set with `created_at` and `retire_after`. */
export function serializeKeys(keys: readonly StoredSigningKey[]): string {
  const document = {
    keys: keys.map((key) => ({
      ...key.jwk,
      created_at: key.createdAt.toISOString(),
      ...(key.retireAfter ? { retire_after: key.retireAfter.toISOString() } : {}),
    })),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/**
 * Creates `file` only if it does not exist yet (temp file + `link`, which fails on an existing
 * name), so two processes starting together agree on one key. Resolves `false` when another
 * process created it first.
 */
export async function createKeyFileExclusive(file: string, content: string): Promise<boolean> {
  const temp = await writeTempFile(file, content);
  try {
    await link(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temp).catch(() => {});
  }
  await syncDirectory(dirname(file));
  return true;
}

/** Atomically replaces `file` (temp file + `rename`): readers see the old or the new file, never half. */
export async function replaceKeyFile(file: string, content: string): Promise<void> {
  const temp = await writeTempFile(file, content);
  try {
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  await syncDirectory(dirname(file));
}

async function writeTempFile(file: string, content: string): Promise<string> {
  const temp = `${file}.${randomUUID()}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => {});
    throw error;
  }
  await handle.close();
  return temp;
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function parseEntry(file: string, index: number, entry: unknown): Promise<StoredSigningKey> {
  const where = `keys[${index}]`;
  if (!isRecord(entry)) throw invalidFile(file, `${where} is not an object`);
  const { alg, use, kid, created_at: createdAt, retire_after: retireAfter } = entry;
  if (alg !== 'ES256' && alg !== 'EdDSA') throw invalidFile(file, `${where}.alg must be ES256 or EdDSA`);
  const { kty, crv, members } = KEY_PARAMETERS[alg];
  if (entry.kty !== kty || entry.crv !== crv) {
    throw invalidFile(file, `${where} must be a ${kty} ${crv} key for ${alg}`);
  }
  for (const member of members) {
    if (typeof entry[member] !== 'string' || entry[member] === '') {
      throw invalidFile(file, `${where}.${member} is missing (a private key is required)`);
    }
  }
  if (use !== 'sig') throw invalidFile(file, `${where}.use must be "sig"`);
  const created = parseDate(createdAt);
  if (!created) throw invalidFile(file, `${where}.created_at must be an ISO 8601 timestamp`);
  const retire = retireAfter === undefined ? undefined : parseDate(retireAfter);
  if (retireAfter !== undefined && !retire) {
    throw invalidFile(file, `${where}.retire_after must be an ISO 8601 timestamp`);
  }
  let key: StoredSigningKey;
  try {
    // Web Crypto refuses a private JWK whose d does not belong to its public members.
    key = await toStoredKey(entry as JWK, alg, created, retire);
  } catch (error) {
    throw invalidFile(file, `${where} is not a usable ${alg} key pair`, error);
  }
  if (kid !== key.kid) throw invalidFile(file, `${where}.kid is not the key's RFC 7638 thumbprint`);
  return key;
}

function parseDate(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalidFile(file: string, problem: string, cause?: unknown): AppError {
  return new AppError(
    'ERR_CONFIG_INVALID',
    `signing key file ${file}: ${problem} (fix or restore the file; it is never replaced automatically)`,
    cause === undefined ? undefined : { cause },
  );
}
