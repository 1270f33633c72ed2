import { CompactSign, exportSPKI, type JWTVerifyGetKey, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { localJwks } from './jwks-source.js';
import {
  createFixtureKey,
  type FixtureKey,
  fixture,
  segment,
  signRaw,
  validClaims,
} from './token-fixture.js';
import {
  type AccessTokenVerifierOptions,
  createAccessTokenVerifier,
  type VerifyResult,
} from './verify-access-token.js';

let key: FixtureKey;
let edKey: FixtureKey;

beforeAll(async () => {
  key = await createFixtureKey('ES256');
  edKey = await createFixtureKey('EdDSA');
});

function verifier(options: Partial<AccessTokenVerifierOptions> = {}) {
  return createAccessTokenVerifier({
    keys: localJwks({ keys: [key.publicJwk, edKey.publicJwk] }),
    issuer: fixture.issuer,
    audience: fixture.audience,
    now: () => fixture.now,
    ...options,
  });
}

/** A key getter that records calls and fails the test's expectation if it is ever used. */
function trapKeys(): { keys: JWTVerifyGetKey; calls: () => number } {
  let calls = 0;
  return {
    keys: () => {
      calls += 1;
      throw new Error('the key getter must not be called');
    },
    calls: () => calls,
  };
}

function expectFailure(result: VerifyResult, code: string): void {
  expect(result.ok ? 'ok' : result.code).toBe(code);
}

describe('createAccessTokenVerifier: valid tokens', () => {
  it('accepts a valid ES256 at+jwt and returns its claims and scopes', async () => {
    const result = await verifier().verify(await signRaw(key));
    expect(result).toEqual({
      ok: true,
      claims: validClaims(),
      scopes: new Set(['public:read', 'audit:read']),
    });
  });

  it('accepts an EdDSA token by default', async () => {
    const result = await verifier().verify(await signRaw(edKey));
    expect(result.ok).toBe(true);
  });

  it('accepts typ application/at+jwt, case-insensitively (RFC 7515 §4.1.9)', async () => {
    for (const typ of ['application/at+jwt', 'AT+JWT']) {
      const result = await verifier().verify(await signRaw(key, validClaims(), { typ }));
      expect(result.ok, typ).toBe(true);
    }
  });

  it('accepts an aud array that contains our resource URL', async () => {
    const claims = { ...validClaims(), aud: ['https://other.example.test', fixture.audience] };
    const result = await verifier().verify(await signRaw(key, claims));
    expect(result.ok).toBe(true);
  });

  it('accepts an aud that differs from our resource URL only by a trailing slash', async () => {
    const claims = { ...validClaims(), aud: `${fixture.audience}/` };
    expect((await verifier().verify(await signRaw(key, claims))).ok).toBe(true);
    const slashed = verifier({ audience: `${fixture.audience}/` });
    expect((await slashed.verify(await signRaw(key))).ok).toBe(true);
  });

  it('accepts an exp that passed within the clock tolerance', async () => {
    const claims = { ...validClaims(), exp: fixture.nowSeconds - 10 };
    expect((await verifier().verify(await signRaw(key, claims))).ok).toBe(true);
  });

  it('grants no scope when the scope claim is missing', async () => {
    const { scope: _scope, ...claims } = validClaims();
    const result = await verifier().verify(await signRaw(key, claims));
    expect(result.ok && result.scopes.size).toBe(0);
  });
});

describe('createAccessTokenVerifier: size and structure', () => {
  it('refuses a token larger than maxTokenBytes before parsing or key lookup', async () => {
    const trap = trapKeys();
    const token = await signRaw(key, { ...validClaims(), padding: 'x'.repeat(9000) });
    const result = await verifier({ keys: trap.keys }).verify(token);
    expectFailure(result, 'ERR_TOKEN_TOO_LARGE');
    expect(trap.calls()).toBe(0);
  });

  it('refuses an oversized token even when it is not a JWT at all', async () => {
    const trap = trapKeys();
    expectFailure(await verifier({ keys: trap.keys }).verify('a'.repeat(8193)), 'ERR_TOKEN_TOO_LARGE');
    expectFailure(
      await verifier({ keys: trap.keys, maxTokenBytes: 100 }).verify(await signRaw(key)),
      'ERR_TOKEN_TOO_LARGE',
    );
    expect(trap.calls()).toBe(0);
  });

  it.each([
    ['two segments', async () => (await signRaw(key)).split('.').slice(0, 2).join('.')],
    ['four segments', async () => `${await signRaw(key)}.abc`],
    ['an empty string', async () => ''],
  ])('refuses a token with %s as malformed', async (_name, build) => {
    expectFailure(await verifier().verify(await build()), 'ERR_TOKEN_MALFORMED');
  });

  it('refuses a header that is not base64url as malformed', async () => {
    const [, payload, signature] = (await signRaw(key)).split('.');
    expectFailure(await verifier().verify(`e*y!.${payload}.${signature}`), 'ERR_TOKEN_MALFORMED');
  });

  it('refuses a signature that is not base64url as malformed', async () => {
    const [header, payload] = (await signRaw(key)).split('.');
    expectFailure(await verifier().verify(`${header}.${payload}.not+base64/`), 'ERR_TOKEN_MALFORMED');
  });

  it('refuses a header that is not JSON as malformed', async () => {
    const [, payload, signature] = (await signRaw(key)).split('.');
    expectFailure(
      await verifier().verify(`${segment('{"alg":"ES256"')}.${payload}.${signature}`),
      'ERR_TOKEN_MALFORMED',
    );
    expectFailure(
      await verifier().verify(`${segment(['ES256'])}.${payload}.${signature}`),
      'ERR_TOKEN_MALFORMED',
    );
  });

  it('refuses a payload that is not JSON as malformed, even when correctly signed', async () => {
    const [header] = (await signRaw(key)).split('.');
    const [, , signature] = (await signRaw(key)).split('.');
    expectFailure(
      await verifier().verify(`${header}.${segment('not json')}.${signature}`),
      'ERR_TOKEN_MALFORMED',
    );
    const signedGarbage = await new CompactSign(new TextEncoder().encode('not json'))
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt' })
      .sign(key.privateKey);
    expectFailure(await verifier().verify(signedGarbage), 'ERR_TOKEN_MALFORMED');
  });

  it('refuses a header without alg as malformed', async () => {
    const [, payload, signature] = (await signRaw(key)).split('.');
    const header = segment({ kid: key.kid, typ: 'at+jwt' });
    expectFailure(await verifier().verify(`${header}.${payload}.${signature}`), 'ERR_TOKEN_MALFORMED');
  });
});

describe('createAccessTokenVerifier: algorithm and type', () => {
  it('refuses alg none before any key lookup', async () => {
    const trap = trapKeys();
    const token = `${segment({ alg: 'none', kid: key.kid, typ: 'at+jwt' })}.${segment(validClaims())}.`;
    expectFailure(await verifier({ keys: trap.keys }).verify(token), 'ERR_TOKEN_ALG_NOT_ALLOWED');
    expect(trap.calls()).toBe(0);
  });

  it('refuses an HS256 token keyed with the public key bytes (algorithm confusion)', async () => {
    const trap = trapKeys();
    const secrets = [
      new TextEncoder().encode(await exportSPKI(key.publicKey)),
      new TextEncoder().encode(JSON.stringify(key.publicJwk)),
    ];
    for (const secret of secrets) {
      const token = await new SignJWT(validClaims())
        .setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'at+jwt' })
        .sign(secret);
      expectFailure(await verifier().verify(token), 'ERR_TOKEN_ALG_NOT_ALLOWED');
      expectFailure(await verifier({ keys: trap.keys }).verify(token), 'ERR_TOKEN_ALG_NOT_ALLOWED');
    }
    expect(trap.calls()).toBe(0);
  });

  it('refuses an asymmetric alg outside the configured allow-list', async () => {
    const token = await signRaw(edKey);
    expectFailure(await verifier({ algorithms: ['ES256'] }).verify(token), 'ERR_TOKEN_ALG_NOT_ALLOWED');
  });

  it.each([
    ['JWT', 'JWT'],
    ['missing', undefined],
    ['id_token+jwt', 'application/id_token+jwt'],
  ])('refuses typ %s (RFC 9068 §4)', async (_name, typ) => {
    const token = await signRaw(key, validClaims(), { typ });
    expectFailure(await verifier().verify(token), 'ERR_TOKEN_TYPE_INVALID');
  });

  it.each([['HS256'], ['none'], ['RSA1_5'], ['']])(
    'throws TypeError when configured with algorithm %j',
    (alg) => {
      expect(() => verifier({ algorithms: [alg] })).toThrow(TypeError);
    },
  );
});

describe('createAccessTokenVerifier: keys and signature', () => {
  it('refuses a token signed by a different key under our kid as signature invalid', async () => {
    const forger = await createFixtureKey('ES256', key.kid);
    expectFailure(await verifier().verify(await signRaw(forger)), 'ERR_TOKEN_SIGNATURE_INVALID');
  });

  it('refuses a token whose signature was altered', async () => {
    const [header, payload] = (await signRaw(key)).split('.');
    const [, , otherSignature] = (await signRaw(key, { ...validClaims(), sub: 'mallory' })).split('.');
    expectFailure(
      await verifier().verify(`${header}.${payload}.${otherSignature}`),
      'ERR_TOKEN_SIGNATURE_INVALID',
    );
  });

  it('refuses a token signed by an unknown kid as key unknown', async () => {
    const stranger = await createFixtureKey('ES256');
    expectFailure(await verifier().verify(await signRaw(stranger)), 'ERR_TOKEN_KEY_UNKNOWN');
  });

  it('reports a failing key source as keys unavailable without leaking the cause', async () => {
    const result = await verifier({
      keys: () => {
        throw new Error('connect ECONNREFUSED 10.0.0.7:443');
      },
    }).verify(await signRaw(key));
    expectFailure(result, 'ERR_KEYS_UNAVAILABLE');
    expect(result.ok === false && result.message).not.toContain('ECONNREFUSED');
    expect(result.ok === false && result.cause).toBeInstanceOf(Error);
  });
});

describe('createAccessTokenVerifier: claims', () => {
  it('refuses an expired token beyond the clock tolerance', async () => {
    const claims = { ...validClaims(), exp: fixture.nowSeconds - 31 };
    expectFailure(await verifier().verify(await signRaw(key, claims)), 'ERR_TOKEN_EXPIRED');
  });

  it('refuses a token whose exp equals now minus the tolerance (exp is exclusive)', async () => {
    const claims = { ...validClaims(), exp: fixture.nowSeconds - 30 };
    expectFailure(await verifier().verify(await signRaw(key, claims)), 'ERR_TOKEN_EXPIRED');
  });

  it('refuses a token whose nbf is in the future beyond the clock tolerance', async () => {
    const claims = { ...validClaims(), nbf: fixture.nowSeconds + 31 };
    expectFailure(await verifier().verify(await signRaw(key, claims)), 'ERR_TOKEN_NOT_YET_VALID');
    const within = { ...validClaims(), nbf: fixture.nowSeconds + 30 };
    expect((await verifier().verify(await signRaw(key, within))).ok).toBe(true);
  });

  it('refuses a token whose iat is in the future beyond the clock tolerance', async () => {
    const claims = { ...validClaims(), iat: fixture.nowSeconds + 31 };
    expectFailure(await verifier().verify(await signRaw(key, claims)), 'ERR_TOKEN_NOT_YET_VALID');
  });

  it('uses the injected clock, not the system clock', async () => {
    const later = verifier({ now: () => new Date((fixture.nowSeconds + 3600) * 1000) });
    expectFailure(await later.verify(await signRaw(key)), 'ERR_TOKEN_EXPIRED');
  });

  it('refuses a token without exp as claim invalid', async () => {
    const { exp: _exp, ...claims } = validClaims();
    expectFailure(await verifier().verify(await signRaw(key, claims)), 'ERR_TOKEN_CLAIM_INVALID');
  });

  it('refuses a non-numeric exp as claim invalid', async () => {
    const claims = { ...validClaims(), exp: String(fixture.nowSeconds + 600) };
    expectFailure(await verifier().verify(await signRaw(key, claims)), 'ERR_TOKEN_CLAIM_INVALID');
  });

  it('refuses a token from another issuer', async () => {
    const claims = { ...validClaims(), iss: 'https://evil.example.test' };
    expectFailure(await verifier().verify(await signRaw(key, claims)), 'ERR_TOKEN_ISSUER_INVALID');
    const { iss: _iss, ...missing } = validClaims();
    expectFailure(await verifier().verify(await signRaw(key, missing)), 'ERR_TOKEN_ISSUER_INVALID');
  });

  it.each([
    ['another resource', 'https://other.example.test/mcp'],
    ['a longer path sharing our prefix', `${fixture.audience}-admin`],
    ['an array without our resource', ['https://other.example.test/mcp']],
    ['a missing aud', undefined],
    ['a non-string aud', 42],
  ])('refuses %s as audience invalid (RFC 8707)', async (_name, aud) => {
    const claims = { ...validClaims(), aud };
    expectFailure(await verifier().verify(await signRaw(key, claims)), 'ERR_TOKEN_AUDIENCE_INVALID');
  });

  it.each([
    ['missing sub', { sub: undefined }],
    ['empty sub', { sub: '' }],
    ['missing jti', { jti: undefined }],
    ['numeric jti', { jti: 7 }],
    ['numeric client_id', { client_id: 7 }],
    ['numeric pv', { pv: 3 }],
  ])('refuses a token with %s as claim invalid', async (_name, override) => {
    const claims = Object.fromEntries(
      Object.entries({ ...validClaims(), ...override }).filter(([, value]) => value !== undefined),
    );
    expectFailure(await verifier().verify(await signRaw(key, claims)), 'ERR_TOKEN_CLAIM_INVALID');
  });

  it.each([
    ['an array', ['public:read']],
    ['a number', 1],
    ['null', null],
  ])('refuses a scope claim that is %s', async (_name, scope) => {
    const claims = { ...validClaims(), scope };
    expectFailure(await verifier().verify(await signRaw(key, claims)), 'ERR_TOKEN_SCOPE_INVALID');
  });
});

describe('createAccessTokenVerifier: options', () => {
  it('throws TypeError for a clock tolerance above 300 seconds or negative', () => {
    expect(() => verifier({ clockToleranceSeconds: 301 })).toThrow(TypeError);
    expect(() => verifier({ clockToleranceSeconds: -1 })).toThrow(TypeError);
  });

  it('throws TypeError for an audience that is not an absolute URL', () => {
    expect(() => verifier({ audience: 'mcp-server' })).toThrow(TypeError);
  });

  it('throws TypeError for an empty issuer or missing key resolver', () => {
    expect(() => verifier({ issuer: '' })).toThrow(TypeError);
    expect(() => verifier({ keys: undefined as unknown as JWTVerifyGetKey })).toThrow(TypeError);
  });
});
