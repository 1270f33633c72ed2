/** One grant's access tokens (a refresh-token family), for revoking them together. */
export interface TokenFamily {
  readonly grantId: string;
  readonly subject: string;
  readonly clientId: string;
  /** Access token id (`jti`) → expiry, epoch milliseconds. */
  readonly tokens: ReadonlyMap<string, number>;
}

/**
 * Which access tokens each grant produced. oidc-provider revokes a grant's codes and refresh tokens
 * itself (code reuse, refresh token reuse, RFC 7009 revocation), but the access tokens are
 * self-contained JWTs the MCP servers verify offline, so their ids must be turned into
 * `token.revoked` events. In memory, alongside the adapter that holds the grants.
 */
export class TokenFamilies {
  readonly #families = new Map<string, { subject: string; clientId: string; tokens: Map<string, number> }>();
  readonly #now: () => number;
  #adds = 0;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  add(grantId: string, subject: string, clientId: string, tokenId: string, expiresAt: number): void {
    const family = this.#families.get(grantId) ?? { subject, clientId, tokens: new Map<string, number>() };
    const now = this.#now();
    for (const [id, expiry] of family.tokens) if (expiry <= now) family.tokens.delete(id);
    family.tokens.set(tokenId, expiresAt);
    this.#families.set(grantId, family);
    if (++this.#adds % 1000 === 0) this.#sweep(now);
  }

  /** Forgets families whose access tokens have all expired: nothing left to revoke. */
  #sweep(now: number): void {
    for (const [grantId, family] of this.#families) {
      if ([...family.tokens.values()].every((expiry) => expiry <= now)) this.#families.delete(grantId);
    }
  }

  /** Removes and returns a grant's family with its unexpired tokens; undefined when unknown. */
  take(grantId: string): TokenFamily | undefined {
    const family = this.#families.get(grantId);
    if (family === undefined) return undefined;
    this.#families.delete(grantId);
    const now = this.#now();
    const tokens = new Map([...family.tokens].filter(([, expiry]) => expiry > now));
    return { grantId, subject: family.subject, clientId: family.clientId, tokens };
  }

  /** Forgets one access token (revoked on its own, so it is not revoked again with its family). */
  forget(tokenId: string): void {
    for (const family of this.#families.values()) family.tokens.delete(tokenId);
  }
}
