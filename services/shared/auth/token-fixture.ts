import { Buffer } from 'node:buffer';
import {
  CompactSign,
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JWK,
} from 'jose';

/** A test key pair with its public JWK (`kid` = RFC 7638 thumbprint, `alg`, `use`). */
export interface FixtureKey {
  readonly kid: string;
  readonly alg: 'ES256' | 'EdDSA';
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly publicJwk: JWK;
}

/** Shared values of the auth tests: one issuer, one audience, one fixed clock. */
export const fixture = {
  issuer: 'https://auth.example.test',
  audience: 'https://mcp.example.test/mcp',
  now: new Date('2030-01-01T00:00:00Z'),
  nowSeconds: Math.floor(new Date('2030-01-01T00:00:00Z').getTime() / 1000),
} as const;

/** Generates a key pair for tests; `kid` overrides the thumbprint (for same-kid forgeries). */
export async function createFixtureKey(alg: 'ES256' | 'EdDSA' = 'ES256', kid?: string): Promise<FixtureKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const thumbprint = await calculateJwkThumbprint(jwk, 'sha256');
  return {
    kid: kid ?? thumbprint,
    alg,
    privateKey,
    publicKey,
    publicJwk: { ...jwk, kid: kid ?? thumbprint, alg, use: 'sig' },
  };
}

/** Claims of a valid access token at {@link fixture}.now. */
export function validClaims(): Record<string, unknown> {
  return {
    iss: fixture.issuer,
    sub: 'alice@example.test',
    aud: fixture.audience,
    scope: 'public:read audit:read',
    client_id: 'claude-code',
    jti: '6a1f4c1e-0000-4000-8000-000000000001',
    iat: fixture.nowSeconds,
    exp: fixture.nowSeconds + 600,
    pv: '7@sha256:abc',
  };
}

/**
 * Signs any header and payload, bypassing `signAccessToken`'s checks, so tests can build the
 * tokens an attacker or a buggy issuer would. `undefined` values are dropped.
 */
export async function signRaw(
  key: Pick<FixtureKey, 'kid' | 'alg' | 'privateKey'>,
  claims: Record<string, unknown> = validClaims(),
  header: Record<string, unknown> = {},
): Promise<string> {
  const payload = new TextEncoder().encode(JSON.stringify(claims));
  const protectedHeader = dropUndefined({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header });
  return new CompactSign(payload).setProtectedHeader(protectedHeader as { alg: string }).sign(key.privateKey);
}

/** base64url of a JSON value or raw string, for hand-crafted tokens. */
export function segment(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

function dropUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}
