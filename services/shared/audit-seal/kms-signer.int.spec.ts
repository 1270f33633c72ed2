import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointMessage, GENESIS_HASH } from './checkpoint.js';
import { crc32c } from './crc32c.js';
import { type FakeGoogle, startFakeGoogle } from './fake-google-server.js';
import { GoogleApiError } from './google-api.js';
import { createKmsSigner } from './kms-signer.js';
import { metadataServerToken } from './metadata-server-token.js';
import { verifySignature } from './signature-algorithm.js';

// Cloud KMS cannot be reached from here: these tests run the real client against a local fake that
// answers as the REST API documentation describes. What real KMS does beyond that is untested.
const keyVersion =
  'projects/acme/locations/europe-west1/keyRings/audit/cryptoKeys/checkpoints/cryptoKeyVersions/3';
const message = checkpointMessage({
  version: 1,
  sequence: 1,
  after: { transactionId: '0', globalPosition: '0' },
  last: { transactionId: '9', globalPosition: '1' },
  treeSize: 1,
  leafPositions: '1+1',
  rootHash: 'ab'.repeat(32),
  cumulativeSize: 1,
  previousHash: GENESIS_HASH,
  keyId: 'cd'.repeat(32),
  algorithm: 'ecdsa-p256-sha256',
  publicKey: '',
  createdAt: '2026-01-01T00:00:00.000Z',
});

for (const kmsAlgorithm of ['EC_SIGN_P256_SHA256', 'EC_SIGN_ED25519'] as const) {
  describe(`KMS signer (${kmsAlgorithm}, against a local fake)`, () => {
    let google: FakeGoogle;
    beforeAll(async () => {
      google = await startFakeGoogle({ keyVersion, kmsAlgorithm, bucket: 'unused' });
    });
    afterAll(() => google.close());
    const signer = () =>
      createKmsSigner({
        keyVersion,
        endpoint: google.url,
        accessToken: metadataServerToken({ host: google.host }),
      });

    it('fetches the public key with a metadata-server token and signs a message that verifies', async () => {
      google.requests.length = 0;
      const kms = signer();
      const key = await kms.key();
      expect(key.algorithm).toBe(kmsAlgorithm === 'EC_SIGN_ED25519' ? 'ed25519' : 'ecdsa-p256-sha256');
      const signature = await kms.sign(message);
      expect(verifySignature(key, message, signature)).toBe(true);

      const [tokenRequest, publicKeyRequest, signRequest] = google.requests;
      expect(tokenRequest!.url.pathname).toBe('/computeMetadata/v1/instance/service-accounts/default/token');
      expect(tokenRequest!.headers['metadata-flavor']).toBe('Google');
      expect(publicKeyRequest!.method).toBe('GET');
      expect(publicKeyRequest!.url.pathname).toBe(`/v1/${keyVersion}/publicKey`);
      expect(publicKeyRequest!.headers.authorization).toBe('Bearer fake-access-token');
      expect(signRequest!.method).toBe('POST');
      expect(signRequest!.url.pathname).toBe(`/v1/${keyVersion}:asymmetricSign`);
      const body = JSON.parse(signRequest!.body) as Record<string, unknown>;
      if (kmsAlgorithm === 'EC_SIGN_ED25519') {
        expect(body).toEqual({ data: message.toString('base64'), dataCrc32c: String(crc32c(message)) });
      } else {
        const digest = (body.digest as { sha256: string }).sha256;
        expect(Buffer.from(digest, 'base64')).toHaveLength(32);
        expect(body.digestCrc32c).toBe(String(crc32c(Buffer.from(digest, 'base64'))));
        expect(body).not.toHaveProperty('data');
      }
      // The key and the token are cached: a second signature costs one request.
      const before = google.requests.length;
      await kms.sign(message);
      expect(google.requests.length).toBe(before + 1);
    });

    it('refuses a signature damaged in transit or not confirmed by KMS', async () => {
      const kms = signer();
      await kms.key();
      for (const corruption of ['signature', 'signature-crc', 'unverified'] as const) {
        google.corrupt(corruption);
        await expect(kms.sign(message), corruption).rejects.toBeInstanceOf(GoogleApiError);
      }
      google.corrupt('none');
      await expect(kms.sign(message)).resolves.toBeInstanceOf(Uint8Array);
    });

    it('reports an API error with its status and message, then recovers', async () => {
      const kms = signer();
      google.failNext(403, 1);
      await expect(kms.key()).rejects.toMatchObject({
        status: 403,
        message: expect.stringContaining('injected failure'),
      });
      await expect(kms.key()).resolves.toMatchObject({ keyId: expect.stringMatching(/^[0-9a-f]{64}$/) });
    });
  });
}

describe('KMS signer configuration', () => {
  it('refuses a key name that is not a key version at construction', () => {
    expect(() =>
      createKmsSigner({
        keyVersion: 'projects/acme/locations/x/keyRings/r/cryptoKeys/k',
        accessToken: async () => 't',
      }),
    ).toThrow(TypeError);
  });

  it('fails clearly when no metadata server answers', async () => {
    const token = metadataServerToken({ host: '127.0.0.1:9' });
    await expect(token()).rejects.toThrow(/metadata server 127.0.0.1:9: no response/);
  });
});
