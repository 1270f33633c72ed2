/** What the revocation check needs from a verified token. */
export interface RevocableToken {
  readonly jti: string;
  readonly sub: string;
  /** Issued-at, seconds since the epoch. */
  readonly iat?: number | undefined;
}

/** The part of a `token.revoked` event the set is built from. */
export interface Revocation {
  readonly eventId: string;
  readonly revokedTokenId?: string | undefined;
  readonly revokedSubject?: string | undefined;
  /** ISO 8601: tokens of `revokedSubject` issued at or before this second are revoked. */
  readonly revokedBefore?: string | undefined;
}

/**
 * The revoked tokens as a projection of `token.revoked` events. Applying an event twice changes
 * nothing, so a feed may re-read events freely.
 *
 * Rules: a token is revoked if its `jti` was revoked, or if its subject was revoked and its `iat`
 * (seconds) is at or before the revocation's second. A token without `iat` of a revoked subject is
 * treated as revoked (fail closed).
 */
export class RevocationSet {
  readonly #tokenIds = new Set<string>();
  /** Subject → latest cutoff, in seconds since the epoch. */
  readonly #subjectCutoffs = new Map<string, number>();
  readonly #applied = new Set<string>();

  apply(revocation: Revocation): void {
    if (this.#applied.has(revocation.eventId)) return;
    this.#applied.add(revocation.eventId);
    if (revocation.revokedTokenId) this.#tokenIds.add(revocation.revokedTokenId);
    if (revocation.revokedSubject) {
      const millis = revocation.revokedBefore ? Date.parse(revocation.revokedBefore) : Number.NaN;
      // A subject revocation without a valid time revokes every token the subject ever had.
      const cutoff = Number.isFinite(millis) ? Math.floor(millis / 1000) : Number.POSITIVE_INFINITY;
      const previous = this.#subjectCutoffs.get(revocation.revokedSubject) ?? Number.NEGATIVE_INFINITY;
      this.#subjectCutoffs.set(revocation.revokedSubject, Math.max(previous, cutoff));
    }
  }

  isRevoked(token: RevocableToken): boolean {
    if (this.#tokenIds.has(token.jti)) return true;
    const cutoff = this.#subjectCutoffs.get(token.sub);
    if (cutoff === undefined) return false;
    return token.iat === undefined || token.iat <= cutoff;
  }

  get size(): number {
    return this.#applied.size;
  }
}
