import { createHash } from 'node:crypto';
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

/**
 * Wraps a verifier so a token that verified is not verified again (signature, claims) until it
 * expires or `maxAgeMs` passes, whichever is first. Only successes are remembered, keyed by a
 * SHA-256 of the exact token; revocation is not part of verification and is still checked on every
 * request by the caller. Saves the ~100 µs of an ES256 verification per repeated token.
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
  const entries = new Map<string, Entry>();
  return async (token) => {
    const key = createHash('sha256').update(token).digest('base64url');
    const cached = entries.get(key);
    const at = now();
    if (cached && at < cached.until) return cached.result;
    if (cached) entries.delete(key);
    const result = await verify(token);
    if (result.ok) {
      entries.set(key, { result, until: Math.min(result.claims.exp * 1000, at + maxAgeMs) });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    }
    return result;
  };
}
