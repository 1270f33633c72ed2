import { Buffer } from 'node:buffer';
import { errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { type ErrorCode, errorCodes } from '../errors/codes.js';
import { parseScopeClaim } from './scopes.js';

/** The largest clock skew {@link createAccessTokenVerifier} accepts as `clockToleranceSeconds`. */
export const MAX_CLOCK_TOLERANCE_SECONDS = 300;

/** The asymmetric JWS algorithms a verifier may be configured to accept (RFC 7518, RFC 8037). */
const ASYMMETRIC_ALGORITHMS: ReadonlySet<string> = new Set([
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'RS384',
  'RS512',
]);

/** The claims of a verified RFC 9068 access token. */
export interface AccessTokenClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: string | readonly string[];
  readonly scope?: string;
  readonly client_id?: string;
  readonly jti: string;
  readonly iat?: number;
  readonly exp: number;
  readonly nbf?: number;
  /** The policy version that decided the token's scopes. */
  readonly pv?: string;
}

/** The failure codes a verifier returns. */
export type AccessTokenErrorCode = Extract<
  ErrorCode,
  | 'ERR_TOKEN_TOO_LARGE'
  | 'ERR_TOKEN_MALFORMED'
  | 'ERR_TOKEN_ALG_NOT_ALLOWED'
  | 'ERR_TOKEN_TYPE_INVALID'
  | 'ERR_TOKEN_KEY_UNKNOWN'
  | 'ERR_TOKEN_SIGNATURE_INVALID'
  | 'ERR_TOKEN_EXPIRED'
  | 'ERR_TOKEN_NOT_YET_VALID'
  | 'ERR_TOKEN_CLAIM_INVALID'
  | 'ERR_TOKEN_ISSUER_INVALID'
  | 'ERR_TOKEN_AUDIENCE_INVALID'
  | 'ERR_TOKEN_SCOPE_INVALID'
  | 'ERR_KEYS_UNAVAILABLE'
>;

/**
 * The outcome of verifying an access token. Failures are values: `message` is safe to return to
 * the caller; `cause` (set for `ERR_KEYS_UNAVAILABLE`) is for logs only.
 */
export type VerifyResult =
  | { readonly ok: true; readonly claims: AccessTokenClaims; readonly scopes: ReadonlySet<string> }
  | {
      readonly ok: false;
      readonly code: AccessTokenErrorCode;
      readonly message: string;
      readonly cause?: unknown;
    };

/** Options of {@link createAccessTokenVerifier}. */
export interface AccessTokenVerifierOptions {
  /** Resolves the verification key from the protected header (see `remoteJwks`, `localJwks`). */
  readonly keys: JWTVerifyGetKey;
  /** The token service URL, compared exactly with `iss`. */
  readonly issuer: string;
  /** This server's canonical resource URL (RFC 8707); a trailing-slash difference is tolerated. */
  readonly audience: string;
  /** Accepted `alg` values, asymmetric only. Default `['ES256', 'EdDSA']`. */
  readonly algorithms?: readonly string[];
  /** Allowed clock skew for `exp`, `nbf` and `iat`. Default 30, at most 300. */
  readonly clockToleranceSeconds?: number;
  /** Tokens longer than this are refused before any parsing. Default 8192. */
  readonly maxTokenBytes?: number;
  /** Required `typ` header (RFC 9068 §2.1). Default `'at+jwt'`; `application/at+jwt` also matches. */
  readonly requireTyp?: string;
  /** The clock. Default `() => new Date()`. */
  readonly now?: () => Date;
}

/** An access-token verifier built by {@link createAccessTokenVerifier}. */
export interface AccessTokenVerifier {
  /** Verifies one access token. Never rejects: every outcome is a {@link VerifyResult}. */
  readonly verify: (token: string) => Promise<VerifyResult>;
}

/**
 * Creates an RFC 9068 access-token verifier. It checks, in this order: size (before anything
 * else), structure, the `alg` allow-list and `typ` (from the protected header, before any key is
 * looked up), the signature (keys come only from `keys`: `jku`, `x5u`, `jwk` and `x5c` headers are
 * never fetched nor used), `exp` (required), `nbf` and `iat`, `iss`, `aud`, `sub`, `jti`, and the
 * `scope` claim. Every expected failure is a {@link VerifyResult} with a registry code; a key source
 * failure (JWKS unreachable) is `ERR_KEYS_UNAVAILABLE`. Bad options throw `TypeError` here, once.
 *
 * @example
 * ```ts
 * const verifier = createAccessTokenVerifier({
 *   keys: remoteJwks('https://auth.example.com/jwks'),
 *   issuer: 'https://auth.example.com',
 *   audience: 'https://mcp.example.com/mcp',
 * });
 * const result = await verifier.verify(token);
 * if (!result.ok) return reply.code(401).send({ error: result.code });
 * result.scopes.has('public:read');
 * ```
 */
export function createAccessTokenVerifier(options: AccessTokenVerifierOptions): AccessTokenVerifier {
  const config = validateOptions(options);

  return {
    verify: async (token: string): Promise<VerifyResult> => {
      try {
        return await verifyToken(config, token);
      } catch (cause) {
        return failure('ERR_KEYS_UNAVAILABLE', undefined, cause);
      }
    },
  };
}

interface VerifierConfig {
  readonly keys: JWTVerifyGetKey;
  readonly issuer: string;
  readonly audience: string;
  readonly algorithms: ReadonlySet<string>;
  readonly clockTolerance: number;
  readonly maxTokenBytes: number;
  readonly typ: string;
  readonly now: () => Date;
}

function validateOptions(options: AccessTokenVerifierOptions): VerifierConfig {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const {
    keys,
    issuer,
    audience,
    algorithms = ['ES256', 'EdDSA'],
    clockToleranceSeconds = 30,
    maxTokenBytes = 8192,
    requireTyp = 'at+jwt',
    now = () => new Date(),
  } = options;
  if (typeof keys !== 'function') throw new TypeError('"keys" must be a key resolver function');
  if (typeof issuer !== 'string' || issuer === '') throw new TypeError('"issuer" must be a non-empty string');
  if (typeof audience !== 'string' || !URL.canParse(audience) || new URL(audience).hash !== '') {
    throw new TypeError('"audience" must be an absolute URL without a fragment (RFC 8707 §2)');
  }
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    throw new TypeError('"algorithms" must be a non-empty array');
  }
  for (const alg of algorithms) {
    if (!ASYMMETRIC_ALGORITHMS.has(alg)) {
      throw new TypeError(`"algorithms" may only list asymmetric JWS algorithms, got ${JSON.stringify(alg)}`);
    }
  }
  if (
    typeof clockToleranceSeconds !== 'number' ||
    !Number.isInteger(clockToleranceSeconds) ||
    clockToleranceSeconds < 0 ||
    clockToleranceSeconds > MAX_CLOCK_TOLERANCE_SECONDS
  ) {
    throw new TypeError(
      `"clockToleranceSeconds" must be an integer between 0 and ${MAX_CLOCK_TOLERANCE_SECONDS}`,
    );
  }
  if (!Number.isInteger(maxTokenBytes) || maxTokenBytes < 64 || maxTokenBytes > 1_048_576) {
    throw new TypeError('"maxTokenBytes" must be an integer between 64 and 1048576');
  }
  if (typeof requireTyp !== 'string' || requireTyp === '') {
    throw new TypeError('"requireTyp" must be a non-empty string');
  }
  if (typeof now !== 'function') throw new TypeError('"now" must be a function returning a Date');
  return {
    keys,
    issuer,
    audience: withoutTrailingSlash(audience),
    algorithms: new Set(algorithms),
    clockTolerance: clockToleranceSeconds,
    maxTokenBytes,
    typ: normalizeTyp(requireTyp),
    now,
  };
}

async function verifyToken(config: VerifierConfig, token: string): Promise<VerifyResult> {
  if (typeof token !== 'string') return failure('ERR_TOKEN_MALFORMED', 'the token is not a string');
  if (token.length > config.maxTokenBytes || Buffer.byteLength(token, 'utf8') > config.maxTokenBytes) {
    return failure('ERR_TOKEN_TOO_LARGE', `more than ${config.maxTokenBytes} bytes`);
  }

  const segments = token.split('.');
  if (segments.length !== 3) {
    return failure('ERR_TOKEN_MALFORMED', `expected 3 dot-separated segments, got ${segments.length}`);
  }
  const [encodedHeader = '', encodedPayload = '', signature = ''] = segments;
  const header = decodeJsonObject(encodedHeader);
  if (!header) return failure('ERR_TOKEN_MALFORMED', 'the header is not a base64url-encoded JSON object');
  if (!decodeJsonObject(encodedPayload)) {
    return failure('ERR_TOKEN_MALFORMED', 'the payload is not a base64url-encoded JSON object');
  }
  if (signature !== '' && !isBase64url(signature)) {
    return failure('ERR_TOKEN_MALFORMED', 'the signature is not base64url-encoded');
  }

  // RFC 8725 §3.1: the algorithm is checked against the allow-list before any key is looked up.
  const { alg, typ, kid } = header;
  if (typeof alg !== 'string' || alg === '') return failure('ERR_TOKEN_MALFORMED', 'the header has no alg');
  if (!config.algorithms.has(alg)) return failure('ERR_TOKEN_ALG_NOT_ALLOWED', `alg ${JSON.stringify(alg)}`);
  // RFC 9068 §4: resource servers MUST check typ, so that other JWTs (ID tokens) are not accepted.
  if (typeof typ !== 'string' || normalizeTyp(typ) !== config.typ) {
    return failure('ERR_TOKEN_TYPE_INVALID', `typ ${JSON.stringify(typ ?? null)}`);
  }
  if (kid !== undefined && typeof kid !== 'string') {
    return failure('ERR_TOKEN_MALFORMED', 'the header kid is not a string');
  }

  const now = config.now();
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, config.keys, {
      algorithms: [...config.algorithms],
      currentDate: now,
      clockTolerance: config.clockTolerance,
      requiredClaims: ['exp'],
    }));
  } catch (error) {
    return fromJoseError(error);
  }

  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (typeof payload.iat === 'number' && payload.iat > nowSeconds + config.clockTolerance) {
    return failure('ERR_TOKEN_NOT_YET_VALID', 'iat is in the future');
  }
  if (payload.iss !== config.issuer) return failure('ERR_TOKEN_ISSUER_INVALID');
  if (!audienceMatches(payload.aud, config.audience)) return failure('ERR_TOKEN_AUDIENCE_INVALID');
  for (const claim of ['sub', 'jti'] as const) {
    if (typeof payload[claim] !== 'string' || payload[claim] === '') {
      return failure('ERR_TOKEN_CLAIM_INVALID', `${claim} must be a non-empty string`);
    }
  }
  for (const claim of ['client_id', 'pv'] as const) {
    if (payload[claim] !== undefined && typeof payload[claim] !== 'string') {
      return failure('ERR_TOKEN_CLAIM_INVALID', `${claim} must be a string`);
    }
  }
  const scope = parseScopeClaim(payload.scope);
  if (!scope.ok) return scope;

  return { ok: true, claims: toClaims(payload), scopes: scope.scopes };
}

function fromJoseError(error: unknown): VerifyResult {
  if (error instanceof errors.JWTExpired) return failure('ERR_TOKEN_EXPIRED');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing' || error.reason === 'invalid') {
      return failure(
        'ERR_TOKEN_CLAIM_INVALID',
        `${error.claim} is ${error.reason === 'missing' ? 'missing' : 'not a number'}`,
      );
    }
    if (error.claim === 'nbf' || error.claim === 'iat') {
      return failure('ERR_TOKEN_NOT_YET_VALID', `${error.claim} is in the future`);
    }
    return failure('ERR_TOKEN_CLAIM_INVALID', error.claim);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return failure('ERR_TOKEN_SIGNATURE_INVALID');
  if (error instanceof errors.JWKSNoMatchingKey) return failure('ERR_TOKEN_KEY_UNKNOWN');
  if (error instanceof errors.JWKSMultipleMatchingKeys) {
    return failure('ERR_TOKEN_KEY_UNKNOWN', 'more than one key matches; the token must name its kid');
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return failure('ERR_TOKEN_ALG_NOT_ALLOWED');
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JOSENotSupported
  ) {
    return failure('ERR_TOKEN_MALFORMED', error.message);
  }
  return failure('ERR_KEYS_UNAVAILABLE', undefined, error);
}

function toClaims(payload: JWTPayload): AccessTokenClaims {
  const claims: Record<string, unknown> = {
    iss: payload.iss,
    sub: payload.sub,
    aud: payload.aud,
    jti: payload.jti,
    exp: payload.exp,
  };
  for (const claim of ['scope', 'client_id', 'iat', 'nbf', 'pv'] as const) {
    if (payload[claim] !== undefined) claims[claim] = payload[claim];
  }
  return Object.freeze(claims) as unknown as AccessTokenClaims;
}

function audienceMatches(aud: unknown, expected: string): boolean {
  if (typeof aud === 'string') return withoutTrailingSlash(aud) === expected;
  return (
    Array.isArray(aud) &&
    aud.some((member) => typeof member === 'string' && withoutTrailingSlash(member) === expected)
  );
}

function withoutTrailingSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url;
}

// RFC 7515 §4.1.9: a typ without "/" is a media subtype of "application"; media types are case-insensitive.
function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.includes('/') ? lower : `application/${lower}`;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function isBase64url(segment: string): boolean {
  return BASE64URL.test(segment) && segment.length % 4 !== 1;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function decodeJsonObject(segment: string): Record<string, unknown> | undefined {
  if (!isBase64url(segment)) return undefined;
  try {
    const value: unknown = JSON.parse(strictUtf8.decode(Buffer.from(segment, 'base64url')));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    return value as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function failure(code: AccessTokenErrorCode, detail?: string, cause?: unknown): VerifyResult {
  const base = errorCodes[code].message;
  // Status 503: the cause goes to logs, never to the caller.
  if (code === 'ERR_KEYS_UNAVAILABLE') return { ok: false, code, message: base, cause };
  return { ok: false, code, message: detail ? `${base}: ${detail}` : base };
}
