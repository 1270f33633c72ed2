import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnchorConflictError, putOnce } from './checkpoint-anchor.js';
import { type FakeGoogle, startFakeGoogle } from './fake-google-server.js';
import { createGcsAnchor } from './gcs-anchor.js';
import { staticAccessToken } from './metadata-server-token.js';

// Cloud Storage cannot be reached from here: the real client runs against a local fake of the JSON
// API. The bucket's retention lock is Google's to enforce and is not exercised.
let google: FakeGoogle;
beforeAll(async () => {
  google = await startFakeGoogle({
    keyVersion: 'projects/p/locations/l/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1',
    kmsAlgorithm: 'EC_SIGN_P256_SHA256',
    bucket: 'acme-audit-checkpoints',
  });
});
afterAll(() => google.close());

const anchor = () =>
  createGcsAnchor({
    bucket: 'acme-audit-checkpoints',
    prefix: 'prod/',
    endpoint: google.url,
    accessToken: staticAccessToken('fake-access-token'),
  });

describe('GCS anchor (against a local fake of the JSON API)', () => {
  it('uploads with ifGenerationMatch=0, so an existing object is never replaced', async () => {
    const gcs = anchor();
    expect(await gcs.put('checkpoint-000000000001.json', '{"a":1}\n')).toBe('created');
    const upload = google.requests.at(-1)!;
    expect(upload.method).toBe('POST');
    expect(upload.url.pathname).toBe('/upload/storage/v1/b/acme-audit-checkpoints/o');
    expect(Object.fromEntries(upload.url.searchParams)).toEqual({
      uploadType: 'media',
      name: 'prod/checkpoint-000000000001.json',
      ifGenerationMatch: '0',
    });
    expect(upload.headers.authorization).toBe('Bearer fake-access-token');
    expect(upload.headers['content-type']).toBe('application/json');

    expect(await gcs.put('checkpoint-000000000001.json', '{"a":2}\n')).toBe('exists');
    expect(google.objects.get('prod/checkpoint-000000000001.json')).toBe('{"a":1}\n');
  });

  it('reads objects back, undefined when absent', async () => {
    const gcs = anchor();
    expect(await gcs.get('checkpoint-000000000001.json')).toBe('{"a":1}\n');
    expect(await gcs.get('checkpoint-000000000099.json')).toBeUndefined();
  });

  it('lists every object under the prefix across pages', async () => {
    const gcs = anchor();
    for (const n of [2, 3, 4]) await gcs.put(`checkpoint-00000000000${n}.json`, `{"n":${n}}\n`);
    google.objects.set('other/checkpoint-000000000009.json', '{}');
    const names: string[] = [];
    for await (const name of gcs.list()) names.push(name);
    expect(names).toEqual([1, 2, 3, 4].map((n) => `checkpoint-00000000000${n}.json`));
    expect(google.requests.filter((r) => r.method === 'GET' && r.url.searchParams.has('prefix')).length).toBe(
      2,
    );
  });

  it('confirms an identical retry and flags a different object under the same name', async () => {
    const gcs = anchor();
    expect(await putOnce(gcs, 'checkpoint-000000000002.json', '{"n":2}\n')).toBe('already-anchored');
    await expect(putOnce(gcs, 'checkpoint-000000000002.json', '{"n":20}\n')).rejects.toBeInstanceOf(
      AnchorConflictError,
    );
  });

  it('surfaces API errors with their status and refuses bad names', async () => {
    const gcs = anchor();
    google.failNext(503);
    await expect(gcs.put('checkpoint-000000000005.json', '{}')).rejects.toMatchObject({ status: 503 });
    await expect(gcs.get('../secrets')).rejects.toThrow(TypeError);
    expect(() => createGcsAnchor({ bucket: 'Bad_Bucket', accessToken: async () => 't' })).toThrow(TypeError);
  });
});
