import { decodeJwt, decodeProtectedHeader } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { localJwks } from './jwks-source.js';
import { type AccessTokenInput, signAccessToken } from './sign-access-token.js';
import { createFixtureKey, type FixtureKey, fixture } from './token-fixture.js';
import { createAccessTokenVerifier } from './verify-access-token.js';

let key: FixtureKey;

beforeAll(async () => {
  key = await createFixtureKey('ES256');
});

function input(overrides: Partial<AccessTokenInput> = {}): AccessTokenInput {
  return {
    subject: 'alice@example.test',
    scopes: ['public:read', 'audit:read'],
    clientId: 'claude-code',
    audience: fixture.audience,
    issuer: fixture.issuer,
    ttlSeconds: 600,
    policyVersion: '7@sha256:abc',
    jti: 'token-1',
    now: fixture.now,
    ...overrides,
  };
}

describe('signAccessToken', () => {
  it('produces an RFC 9068 header and claims', async () => {
    const token = await signAccessToken(input(), key);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: key.kid, typ: 'at+jwt' });
    expect(decodeJwt(token)).toEqual({
      iss: fixture.issuer,
      sub: 'alice@example.test',
      aud: fixture.audience,
      scope: 'public:read audit:read',
      client_id: 'claude-code',
      jti: 'token-1',
      iat: fixture.nowSeconds,
      exp: fixture.nowSeconds + 600,
      pv: '7@sha256:abc',
    });
  });

  it('produces a token the verifier accepts with the same scopes', async () => {
    const verifier = createAccessTokenVerifier({
      keys: localJwks({ keys: [key.publicJwk] }),
      issuer: fixture.issuer,
      audience: fixture.audience,
      now: () => fixture.now,
    });
    const result = await verifier.verify(await signAccessToken(input(), key));
    expect(result.ok && [...result.scopes]).toEqual(['public:read', 'audit:read']);
  });

  it('signs with EdDSA keys', async () => {
    const edKey = await createFixtureKey('EdDSA');
    const token = await signAccessToken(input(), edKey);
    expect(decodeProtectedHeader(token).alg).toBe('EdDSA');
  });

  it('generates a random UUID jti when none is given', async () => {
    const first = decodeJwt(await signAccessToken(input({ jti: undefined }), key)).jti;
    const second = decodeJwt(await signAccessToken(input({ jti: undefined }), key)).jti;
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(first).not.toBe(second);
  });

  it('deduplicates scopes and omits the scope claim when there are none', async () => {
    const deduplicated = decodeJwt(
      await signAccessToken(input({ scopes: ['public:read', 'public:read'] }), key),
    );
    expect(deduplicated.scope).toBe('public:read');
    const none = decodeJwt(await signAccessToken(input({ scopes: [] }), key));
    expect('scope' in none).toBe(false);
  });

  it.each([[0], [-1], [86_401], [1.5], [Number.NaN]])(
    'rejects ttlSeconds %s with TypeError',
    async (ttlSeconds) => {
      await expect(signAccessToken(input({ ttlSeconds }), key)).rejects.toThrow(TypeError);
    },
  );

  it('accepts the maximum ttl of 24 hours', async () => {
    const token = await signAccessToken(input({ ttlSeconds: 86_400 }), key);
    expect(decodeJwt(token).exp).toBe(fixture.nowSeconds + 86_400);
  });

  it('rejects a scope outside the contract with TypeError', async () => {
    await expect(signAccessToken(input({ scopes: ['admin'] }), key)).rejects.toThrow(TypeError);
  });

  it.each([
    ['subject', { subject: '' }],
    ['clientId', { clientId: '' }],
    ['audience', { audience: '' }],
    ['issuer', { issuer: '' }],
    ['policyVersion', { policyVersion: '' }],
    ['jti', { jti: '' }],
  ])('rejects an empty %s with TypeError', async (_name, overrides) => {
    await expect(signAccessToken(input(overrides), key)).rejects.toThrow(TypeError);
  });
});
