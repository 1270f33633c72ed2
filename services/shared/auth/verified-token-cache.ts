import { hash } from 'node:crypto';
import type { VerifyResult } from './verify-access-token.js';

/** Options of {@link cacheVerifiedTokens}. */
export interface VerifiedTokenCacheOptions {
  /** Most tokens remembered; the oldest is forgotten first. 0 disables the cache. */
  readonly maxEntries: number;
  /**
   * Longest a verification is reused, whatever the token's `exp`: bounds how long a key removed
   * from the JWKS keeps being honoured for tokens already seen. Default 5 minutes.
   */
  readonly maxAgeMs?: number;
  readonly now?: () => number;
}

interface Entry {
  readonly result: Extract<VerifyResult, { ok: true }>;
  readonly until: number;
}

type Failure = Extract<VerifyResult, { ok: false }>;

/**
 * Rejections that depend only on the token's bytes and this server's fixed configuration: the same
 * token fails the same way for as long as it is remembered. Not remembered: a key not yet known
 * (rotation may publish it), not-yet-valid (time fixes it), keys unavailable (an outage), and the
 * malformed ones (refused before any cryptography, so there is nothing to save, and junk would only
 * crowd the cache).
 */
const stableFailures: ReadonlySet<Failure['code']> = new Set<Failure['code']>([
  'ERR_TOKEN_EXPIRED',
  'ERR_TOKEN_SIGNATURE_INVALID',
  'ERR_TOKEN_ISSUER_INVALID',
  'ERR_TOKEN_AUDIENCE_INVALID',
  'ERR_TOKEN_CLAIM_INVALID',
  'ERR_TOKEN_SCOPE_INVALID',
  'ERR_TOKEN_TYPE_INVALID',
  'ERR_TOKEN_ALG_NOT_ALLOWED',
]);

/**
 * Wraps a verifier so a token is not verified again (signature, claims) while its answer cannot
 * change. Keyed by a SHA-256 of the exact token:
 * - a success is reused until the token expires or `maxAgeMs` passes, whichever is first;
 * - a stable rejection (expired, bad signature, wrong audience, ...; see `stableFailures`) is
 *   reused for `maxAgeMs`, in a separate, smaller map (a tenth of `maxEntries`, at least 100), so a
 *   flood of distinct bad tokens cannot push good ones out.
 *
 * Revocation is not part of verification and is still checked on every request by the caller.
 * Saves the ~100 µs of an ES256 verification per repeated token, good or bad: a client retrying an
 * expired token in a loop costs what a malformed one costs.
 *
 * @example
 * const verify = cacheVerifiedTokens(verifier.verify, { maxEntries: 10_000 });
 */
export function cacheVerifiedTokens(
  verify: (token: string) => Promise<VerifyResult>,
  options: VerifiedTokenCacheOptions,
): (token: string) => Promise<VerifyResult> {
  const { maxEntries, maxAgeMs = 300_000, now = Date.now } = options;
  if (!Number.isInteger(maxEntries) || maxEntries < 0)
    throw new TypeError('maxEntries must be a non-negative integer');
  if (maxEntries === 0) return verify;
  const maxFailures = Math.max(100, Math.floor(maxEntries / 10));
  const entries = new Map<string, Entry>();
  const failures = new Map<string, { readonly result: Failure; readonly until: number }>();
  return async (token) => {
    const key = hash('sha256', token, 'base64url');
    const at = now();
    const cached = entries.get(key);
    if (cached && at < cached.until) return cached.result;
    if (cached) entries.delete(key);
    const refused = failures.get(key);
    if (refused && at < refused.until) return refused.result;
    if (refused) failures.delete(key);
    const result = await verify(token);
    if (result.ok) {
      entries.set(key, { result, until: Math.min(result.claims.exp * 1000, at + maxAgeMs) });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    } else if (stableFailures.has(result.code)) {
      failures.set(key, { result, until: at + maxAgeMs });
      if (failures.size > maxFailures) failures.delete(failures.keys().next().value as string);
    }
    return result;
  };
}
