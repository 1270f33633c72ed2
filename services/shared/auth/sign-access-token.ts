import { randomUUID } from 'node:crypto';
import { type CryptoKey, type KeyObject, SignJWT } from 'jose';
import { isScope, type Scope } from './scopes.js';

/** The longest access-token lifetime {@link signAccessToken} accepts: access tokens are short-lived. */
export const MAX_ACCESS_TOKEN_TTL_SECONDS = 86_400;

/** The algorithms this platform signs access tokens with. */
export type SigningAlgorithm = 'ES256' | 'EdDSA';

/** The part of a signing key {@link signAccessToken} needs. */
export interface AccessTokenSigningKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly privateKey: CryptoKey | KeyObject;
}

/** What goes into an access token. */
export interface AccessTokenInput {
  /** `sub`: the authenticated end user. */
  readonly subject: string;
  /**
   * `scope`: granted scopes, each one of the contract's `scopes` (checked at run time, since they
   * usually come from policy files), deduplicated and space separated in the token; none omits the
   * claim.
   */
  readonly scopes: Iterable<string>;
  /** `client_id`: the OAuth client the token was issued to. */
  readonly clientId: string;
  /** `aud`: the MCP server's canonical resource URL (RFC 8707). */
  readonly audience: string;
  /** `iss`: the token service URL. */
  readonly issuer: string;
  /** Lifetime in seconds: an integer in `(0, MAX_ACCESS_TOKEN_TTL_SECONDS]`. */
  readonly ttlSeconds: number;
  /** `pv`: the policy version (and hash) that decided the scopes. */
  readonly policyVersion: string;
  /** `jti`: defaults to a random UUID. */
  readonly jti?: string | undefined;
  /** Issue time; defaults to the current time. */
  readonly now?: Date | undefined;
}

/**
 * Signs an RFC 9068 access token: header `{ alg, kid, typ: 'at+jwt' }` and claims `iss`, `sub`,
 * `aud`, `scope`, `client_id`, `jti`, `iat`, `exp` and `pv`. Invalid input (a TTL outside
 * `(0, 24 h]`, an empty string, a scope outside the contract) throws `TypeError`.
 *
 * @example
 * ```ts
 * const keys = await loadOrCreateSigningKeys(dataDir);
 * const token = await signAccessToken(
 *   {
 *     subject: 'alice@example.com',
 *     scopes: ['public:read'],
 *     clientId: 'claude-code',
 *     audience: 'https://mcp.example.com/mcp',
 *     issuer: 'https://auth.example.com',
 *     ttlSeconds: 600,
 *     policyVersion: '3@sha256:ab12…',
 *   },
 *   keys.current,
 * );
 * ```
 */
export async function signAccessToken(input: AccessTokenInput, key: AccessTokenSigningKey): Promise<string> {
  const { ttlSeconds } = input;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > MAX_ACCESS_TOKEN_TTL_SECONDS) {
    throw new TypeError(
      `"ttlSeconds" must be an integer between 1 and ${MAX_ACCESS_TOKEN_TTL_SECONDS}, got ${String(ttlSeconds)}`,
    );
  }
  const subject = requireString(input.subject, 'subject');
  const clientId = requireString(input.clientId, 'clientId');
  const audience = requireString(input.audience, 'audience');
  const issuer = requireString(input.issuer, 'issuer');
  const policyVersion = requireString(input.policyVersion, 'policyVersion');
  const jti = input.jti === undefined ? randomUUID() : requireString(input.jti, 'jti');
  const kid = requireString(key.kid, 'key.kid');
  if (key.alg !== 'ES256' && key.alg !== 'EdDSA') {
    throw new TypeError(`"key.alg" must be ES256 or EdDSA, got ${String(key.alg)}`);
  }
  const scopes = new Set<Scope>();
  for (const scope of input.scopes) {
    if (!isScope(scope))
      throw new TypeError(`"scopes" contains ${JSON.stringify(scope)}, not a contract scope`);
    scopes.add(scope);
  }
  const now = input.now ?? new Date();
  if (Number.isNaN(now.getTime())) throw new TypeError('"now" must be a valid Date');
  const iat = Math.floor(now.getTime() / 1000);

  return new SignJWT({
    client_id: clientId,
    ...(scopes.size > 0 ? { scope: [...scopes].join(' ') } : {}),
    pv: policyVersion,
  })
    .setProtectedHeader({ alg: key.alg, kid, typ: 'at+jwt' })
    .setIssuer(issuer)
    .setSubject(subject)
    .setAudience(audience)
    .setJti(jti)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .sign(key.privateKey);
}

function requireString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`"${name}" must be a non-empty string`);
  return value;
}
