import { decodeJwt } from 'jose';

/** What `status` shows of an access token: the RFC 9068 claims (and `pv`), read without verifying. */
export interface TokenClaims {
  readonly sub: string | undefined;
  readonly aud: string | undefined;
  readonly scope: string | undefined;
  readonly jti: string | undefined;
  readonly pv: string | undefined;
  readonly iat: number | undefined;
  readonly exp: number | undefined;
}

/**
 * Reads an access token's claims for display. The CLI is the token's client, not its audience
 * (RFC 9068 §6: clients treat tokens as opaque), so nothing here decides anything; undefined when
 * the token is not a JWT.
 */
export function readTokenClaims(token: string): TokenClaims | undefined {
  try {
    const claims = decodeJwt(token);
    const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
    return {
      sub: claims.sub,
      aud: Array.isArray(claims.aud) ? claims.aud.join(' ') : claims.aud,
      scope: text(claims.scope),
      jti: claims.jti,
      pv: text(claims.pv),
      iat: claims.iat,
      exp: claims.exp,
    };
  } catch {
    return undefined;
  }
}
