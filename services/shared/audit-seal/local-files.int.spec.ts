import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnchorConflictError, putOnce } from './checkpoint-anchor.js';
import { createDirectoryAnchor } from './directory-anchor.js';
import {
  LOCAL_PUBLIC_KEY_FILE,
  LOCAL_SIGNING_KEY_FILE,
  loadOrCreateLocalSigner,
} from './local-ed25519-signer.js';
import { signerKeyOf, verifySignature } from './signature-algorithm.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'audit-seal-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('local Ed25519 signer', () => {
  it('creates the key once, mode 0600, and every later load (or concurrent one) uses the same key', async () => {
    const keyDir = join(dir, 'keys');
    const signers = await Promise.all([1, 2, 3].map(() => loadOrCreateLocalSigner(keyDir)));
    const keyIds = await Promise.all(signers.map(async (signer) => (await signer.key()).keyId));
    expect(new Set(keyIds).size).toBe(1);
    expect((await stat(join(keyDir, LOCAL_SIGNING_KEY_FILE))).mode & 0o777).toBe(0o600);
    expect((await stat(keyDir)).mode & 0o777).toBe(0o700);

    const again = await loadOrCreateLocalSigner(keyDir);
    const key = await again.key();
    expect(key.keyId).toBe(keyIds[0]);
    expect(key.algorithm).toBe('ed25519');
    const message = Buffer.alloc(32, 7);
    expect(verifySignature(key, message, await again.sign(message))).toBe(true);
    // The public key file is what an auditor pins with --public-key.
    expect(signerKeyOf(await readFile(join(keyDir, LOCAL_PUBLIC_KEY_FILE), 'utf8')).keyId).toBe(key.keyId);
  });

  it('refuses a corrupt key file rather than replacing it', async () => {
    const keyDir = join(dir, 'corrupt');
    await loadOrCreateLocalSigner(keyDir);
    await writeFile(join(keyDir, LOCAL_SIGNING_KEY_FILE), 'not a key', { mode: 0o600 });
    await expect(loadOrCreateLocalSigner(keyDir)).rejects.toThrow(/is not a PEM private key/);
    expect(await readFile(join(keyDir, LOCAL_SIGNING_KEY_FILE), 'utf8')).toBe('not a key');
  });
});

describe('directory anchor', () => {
  it('writes each object once, read-only, and never overwrites it', async () => {
    const anchor = createDirectoryAnchor(join(dir, 'anchor'));
    expect(await anchor.put('checkpoint-000000000001.json', 'one\n')).toBe('created');
    expect(await anchor.put('checkpoint-000000000001.json', 'changed\n')).toBe('exists');
    expect(await anchor.get('checkpoint-000000000001.json')).toBe('one\n');
    expect((await stat(join(dir, 'anchor', 'checkpoint-000000000001.json'))).mode & 0o777).toBe(0o444);
    expect(await putOnce(anchor, 'checkpoint-000000000001.json', 'one\n')).toBe('already-anchored');
    await expect(putOnce(anchor, 'checkpoint-000000000001.json', 'two\n')).rejects.toBeInstanceOf(
      AnchorConflictError,
    );
  });

  it('lists names in order, reads absent objects as undefined and refuses path tricks', async () => {
    const anchor = createDirectoryAnchor(join(dir, 'anchor'));
    await anchor.put('checkpoint-000000000010.json', 'ten\n');
    await anchor.put('checkpoint-000000000002.json', 'two\n');
    const names: string[] = [];
    for await (const name of anchor.list()) names.push(name);
    expect(names).toEqual([
      'checkpoint-000000000001.json',
      'checkpoint-000000000002.json',
      'checkpoint-000000000010.json',
    ]);
    expect(await anchor.get('checkpoint-000000000003.json')).toBeUndefined();
    await expect(anchor.put('../escape.json', 'x')).rejects.toThrow(TypeError);
    // A directory that does not exist is not an empty anchor: a verifier must not take it for one.
    const listMissing = async () => {
      for await (const _name of createDirectoryAnchor(join(dir, 'missing')).list());
    };
    await expect(listMissing()).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
