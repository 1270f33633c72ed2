import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CountingServer, json, startCountingServer } from './counting-server.js';
import { localJwks, remoteJwks } from './jwks-source.js';
import { createFixtureKey, type FixtureKey, fixture, signRaw, validClaims } from './token-fixture.js';
import { createAccessTokenVerifier, type VerifyResult } from './verify-access-token.js';

let key: FixtureKey;
let attacker: FixtureKey;
let attackerServer: CountingServer;

beforeAll(async () => {
  key = await createFixtureKey('ES256');
  attacker = await createFixtureKey('ES256');
  // Serves the attacker's key to anyone who follows jku or x5u.
  attackerServer = await startCountingServer(json({ keys: [attacker.publicJwk] }));
});

afterAll(async () => {
  await attackerServer.close();
});

function verifier(keys = localJwks({ keys: [key.publicJwk] })) {
  return createAccessTokenVerifier({
    keys,
    issuer: fixture.issuer,
    audience: fixture.audience,
    now: () => fixture.now,
  });
}

function codeOf(result: VerifyResult): string {
  return result.ok ? 'ok' : result.code;
}

describe('createAccessTokenVerifier: key-bearing headers are never followed', () => {
  it('verifies against the configured keys only and never fetches jku or x5u nor uses jwk or x5c', async () => {
    const token = await signRaw(key, validClaims(), {
      jku: `${attackerServer.url}/jwks.json`,
      x5u: `${attackerServer.url}/cert.pem`,
      jwk: attacker.publicJwk,
      x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'],
    });
    expect(codeOf(await verifier().verify(token))).toBe('ok');
    expect(attackerServer.requests).toEqual([]);
  });

  it('refuses a token signed by an attacker key carried in its own jwk header', async () => {
    const underOurKid = await signRaw({ ...attacker, kid: key.kid }, validClaims(), {
      jwk: { ...attacker.publicJwk, kid: key.kid },
      jku: `${attackerServer.url}/jwks.json`,
    });
    expect(codeOf(await verifier().verify(underOurKid))).toBe('ERR_TOKEN_SIGNATURE_INVALID');
    const underItsKid = await signRaw(attacker, validClaims(), {
      jwk: attacker.publicJwk,
      jku: `${attackerServer.url}/jwks.json`,
      x5u: `${attackerServer.url}/cert.pem`,
    });
    expect(codeOf(await verifier().verify(underItsKid))).toBe('ERR_TOKEN_KEY_UNKNOWN');
    expect(attackerServer.requests).toEqual([]);
  });

  it('refuses an attacker token with jku even when the keys are remote, fetching only the configured URL', async () => {
    const issuerServer = await startCountingServer(json({ keys: [key.publicJwk] }));
    try {
      const keys = remoteJwks(`${issuerServer.url}/jwks`, { cooldownMs: 0 });
      const token = await signRaw(attacker, validClaims(), { jku: `${attackerServer.url}/jwks.json` });
      expect(codeOf(await verifier(keys).verify(token))).toBe('ERR_TOKEN_KEY_UNKNOWN');
      expect(issuerServer.requests.every((path) => path === '/jwks')).toBe(true);
      expect(issuerServer.requests.length).toBeGreaterThan(0);
      expect(attackerServer.requests).toEqual([]);
    } finally {
      await issuerServer.close();
    }
  });
});

describe('createAccessTokenVerifier: remote keys unavailable', () => {
  it('reports a JWKS endpoint answering 500 as keys unavailable', async () => {
    const broken = await startCountingServer((_request, response) => response.writeHead(500).end());
    try {
      const result = await verifier(remoteJwks(`${broken.url}/jwks`)).verify(await signRaw(key));
      expect(codeOf(result)).toBe('ERR_KEYS_UNAVAILABLE');
      expect(broken.requests).toEqual(['/jwks']);
    } finally {
      await broken.close();
    }
  });

  it('reports an unreachable JWKS endpoint as keys unavailable', async () => {
    const gone = await startCountingServer();
    const url = `${gone.url}/jwks`;
    await gone.close();
    const result = await verifier(remoteJwks(url, { timeoutMs: 2000 })).verify(await signRaw(key));
    expect(codeOf(result)).toBe('ERR_KEYS_UNAVAILABLE');
  });
});
