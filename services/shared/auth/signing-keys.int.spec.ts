import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error.js';
import { localJwks } from './jwks-source.js';
import { signAccessToken } from './sign-access-token.js';
import { loadOrCreateSigningKeys, rotateSigningKey, SIGNING_KEYS_FILE_NAME } from './signing-keys.js';
import { fixture } from './token-fixture.js';
import { createAccessTokenVerifier } from './verify-access-token.js';

let root: string;
let dir: string;
let file: string;
const clock = (at: Date) => () => at;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'signing-keys-'));
  dir = join(root, 'data', 'keys');
  file = join(dir, SIGNING_KEYS_FILE_NAME);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function storedDocument(): Promise<{ keys: Array<Record<string, unknown>> }> {
  return JSON.parse(await readFile(file, 'utf8'));
}

async function expectInvalidFile(): Promise<void> {
  const error = await loadOrCreateSigningKeys(dir).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe('ERR_CONFIG_INVALID');
  expect((error as AppError).message).toContain(file);
}

function verifierFor(jwks: { keys: JWK[] }, now = fixture.now) {
  return createAccessTokenVerifier({
    keys: localJwks(jwks),
    issuer: fixture.issuer,
    audience: fixture.audience,
    now: () => now,
  });
}

function tokenInput(now = fixture.now) {
  return {
    subject: 'alice@example.test',
    scopes: ['public:read'],
    clientId: 'claude-code',
    audience: fixture.audience,
    issuer: fixture.issuer,
    ttlSeconds: 600,
    policyVersion: '1',
    now,
  };
}

describe('loadOrCreateSigningKeys', () => {
  it('creates an ES256 private JWK set file with mode 0600 in a directory with mode 0700', async () => {
    const keys = await loadOrCreateSigningKeys(dir, { now: clock(fixture.now) });
    expect(keys.file).toBe(file);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect(await readdir(dir)).toEqual([SIGNING_KEYS_FILE_NAME]);

    const [stored, ...others] = (await storedDocument()).keys;
    expect(others).toEqual([]);
    expect(stored).toMatchObject({
      kty: 'EC',
      crv: 'P-256',
      alg: 'ES256',
      use: 'sig',
      kid: keys.current.kid,
      created_at: fixture.now.toISOString(),
    });
    expect(typeof stored?.d).toBe('string');
    expect(keys.current).toMatchObject({ alg: 'ES256', createdAt: fixture.now });
  });

  it('uses the RFC 7638 thumbprint of the public key as kid', async () => {
    const keys = await loadOrCreateSigningKeys(dir);
    const [publicJwk] = keys.publicJwks().keys;
    expect(publicJwk).toBeDefined();
    expect(await calculateJwkThumbprint(publicJwk!, 'sha256')).toBe(keys.current.kid);
  });

  it('reloads the same keys on later calls without rewriting the file', async () => {
    const first = await loadOrCreateSigningKeys(dir);
    const before = await readFile(file, 'utf8');
    const second = await loadOrCreateSigningKeys(dir);
    expect(await readFile(file, 'utf8')).toBe(before);
    expect(second.current.kid).toBe(first.current.kid);
    expect(second.publicJwks()).toEqual(first.publicJwks());
    expect(second.privateJwks()).toEqual(first.privateJwks());
    const token = await signAccessToken(tokenInput(), first.current);
    expect((await verifierFor(second.publicJwks()).verify(token)).ok).toBe(true);
  });

  it('publishes only public members in publicJwks and the private key in privateJwks', async () => {
    const keys = await loadOrCreateSigningKeys(dir);
    const [publicJwk] = keys.publicJwks().keys;
    expect(Object.keys(publicJwk ?? {}).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    const [privateJwk] = keys.privateJwks().keys;
    expect(Object.keys(privateJwk ?? {}).sort()).toEqual(['alg', 'crv', 'd', 'kid', 'kty', 'use', 'x', 'y']);
  });

  it('creates an Ed25519 key when asked for EdDSA', async () => {
    const keys = await loadOrCreateSigningKeys(dir, { alg: 'EdDSA' });
    expect(keys.current.alg).toBe('EdDSA');
    expect(keys.publicJwks().keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' });
    const token = await signAccessToken(tokenInput(), keys.current);
    expect((await verifierFor(keys.publicJwks()).verify(token)).ok).toBe(true);
  });

  it('agrees on one key when several loads race to create the file', async () => {
    const loaded = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateSigningKeys(dir)));
    expect(new Set(loaded.map((keys) => keys.current.kid)).size).toBe(1);
    expect((await storedDocument()).keys).toHaveLength(1);
    expect(await readdir(dir)).toEqual([SIGNING_KEYS_FILE_NAME]);
  });

  it('refuses a file that is not JSON, naming it, and leaves it untouched', async () => {
    await loadOrCreateSigningKeys(dir);
    await writeFile(file, '{"keys": [', { mode: 0o600 });
    await expectInvalidFile();
    expect(await readFile(file, 'utf8')).toBe('{"keys": [');
  });

  it('refuses a file without keys', async () => {
    await loadOrCreateSigningKeys(dir);
    await writeFile(file, JSON.stringify({ keys: [] }));
    await expectInvalidFile();
  });

  it('refuses a key whose kid is not its thumbprint', async () => {
    await loadOrCreateSigningKeys(dir);
    const document = await storedDocument();
    await writeFile(file, JSON.stringify({ keys: [{ ...document.keys[0], kid: 'chosen-by-hand' }] }));
    await expectInvalidFile();
  });

  it('refuses a key whose private part does not belong to its public part', async () => {
    await loadOrCreateSigningKeys(dir);
    const document = await storedDocument();
    const other = await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey);
    await writeFile(file, JSON.stringify({ keys: [{ ...document.keys[0], d: other.d }] }));
    await expectInvalidFile();
  });

  it('refuses an Ed25519 key whose private part does not belong to its public part', async () => {
    await loadOrCreateSigningKeys(dir, { alg: 'EdDSA' });
    const document = await storedDocument();
    const other = await exportJWK((await generateKeyPair('EdDSA', { extractable: true })).privateKey);
    await writeFile(file, JSON.stringify({ keys: [{ ...document.keys[0], d: other.d }] }));
    await expectInvalidFile();
  });

  it('refuses a key without its private part', async () => {
    await loadOrCreateSigningKeys(dir);
    const { d: _d, ...publicOnly } = (await storedDocument()).keys[0] ?? {};
    await writeFile(file, JSON.stringify({ keys: [publicOnly] }));
    await expectInvalidFile();
  });

  it('refuses a key with an algorithm other than ES256 or EdDSA', async () => {
    await loadOrCreateSigningKeys(dir);
    const document = await storedDocument();
    await writeFile(file, JSON.stringify({ keys: [{ ...document.keys[0], alg: 'HS256' }] }));
    await expectInvalidFile();
  });

  it('refuses a key without a valid created_at', async () => {
    await loadOrCreateSigningKeys(dir);
    const document = await storedDocument();
    await writeFile(file, JSON.stringify({ keys: [{ ...document.keys[0], created_at: 'yesterday' }] }));
    await expectInvalidFile();
  });
});

describe('rotateSigningKey', () => {
  const rotatedAt = new Date(fixture.now.getTime() + 3_600_000);

  it('adds a new current key and keeps the old one published until its tokens expire', async () => {
    const before = await loadOrCreateSigningKeys(dir, { now: clock(fixture.now) });
    const oldToken = await signAccessToken(tokenInput(), before.current);

    const after = await rotateSigningKey(dir, { now: clock(rotatedAt) });
    expect(after.current.kid).not.toBe(before.current.kid);
    expect(after.publicJwks().keys.map((jwk) => jwk.kid)).toEqual([after.current.kid, before.current.kid]);
    expect(after.privateJwks().keys.map((jwk) => jwk.kid)).toEqual([after.current.kid, before.current.kid]);

    const reloaded = await loadOrCreateSigningKeys(dir, { now: clock(rotatedAt) });
    expect(reloaded.current.kid).toBe(after.current.kid);
    expect(reloaded.publicJwks()).toEqual(after.publicJwks());
    expect((await verifierFor(reloaded.publicJwks()).verify(oldToken)).ok).toBe(true);
    const newToken = await signAccessToken(tokenInput(rotatedAt), reloaded.current);
    expect((await verifierFor(reloaded.publicJwks(), rotatedAt).verify(newToken)).ok).toBe(true);
  });

  it('sets retire_after to the rotation time plus the longest token lifetime plus clock tolerance', async () => {
    await loadOrCreateSigningKeys(dir, { now: clock(fixture.now) });
    await rotateSigningKey(dir, { now: clock(rotatedAt), maxTokenLifetimeSeconds: 600 });
    const [old, current] = (await storedDocument()).keys;
    expect(old?.retire_after).toBe(new Date(rotatedAt.getTime() + (600 + 300) * 1000).toISOString());
    expect(current && 'retire_after' in current).toBe(false);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('stops publishing the old key once retire_after has passed, and drops it at the next rotation', async () => {
    const first = await loadOrCreateSigningKeys(dir, { now: clock(fixture.now) });
    const second = await rotateSigningKey(dir, { now: clock(rotatedAt), maxTokenLifetimeSeconds: 600 });
    const retiredAt = new Date(rotatedAt.getTime() + 900_000);
    const justBefore = await loadOrCreateSigningKeys(dir, { now: clock(new Date(retiredAt.getTime() - 1)) });
    expect(justBefore.publicJwks().keys).toHaveLength(2);
    const afterRetirement = await loadOrCreateSigningKeys(dir, { now: clock(retiredAt) });
    expect(afterRetirement.publicJwks().keys.map((jwk) => jwk.kid)).toEqual([second.current.kid]);
    expect(afterRetirement.privateJwks().keys.map((jwk) => jwk.kid)).toEqual([second.current.kid]);

    const third = await rotateSigningKey(dir, { now: clock(retiredAt) });
    const kids = (await storedDocument()).keys.map((key) => key.kid);
    expect(kids).toEqual([second.current.kid, third.current.kid]);
    expect(kids).not.toContain(first.current.kid);
  });

  it('keeps the current algorithm unless told otherwise', async () => {
    await loadOrCreateSigningKeys(dir, { alg: 'EdDSA' });
    expect((await rotateSigningKey(dir)).current.alg).toBe('EdDSA');
    expect((await rotateSigningKey(dir, { alg: 'ES256' })).current.alg).toBe('ES256');
  });

  it('refuses to rotate over a corrupt file', async () => {
    await loadOrCreateSigningKeys(dir);
    await writeFile(file, 'garbage');
    await expect(rotateSigningKey(dir)).rejects.toThrow(file);
    expect(await readFile(file, 'utf8')).toBe('garbage');
  });

  it('throws TypeError for a non-positive maxTokenLifetimeSeconds', async () => {
    await expect(rotateSigningKey(dir, { maxTokenLifetimeSeconds: 0 })).rejects.toThrow(TypeError);
  });
});
