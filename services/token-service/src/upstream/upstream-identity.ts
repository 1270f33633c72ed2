import type { Identity } from '../../../shared/policy/index.js';
import type { UpstreamClaims } from './upstream-client.js';

/** The outcome of {@link identityFromClaims}. */
export type UpstreamIdentityResult =
  | {
      readonly ok: true;
      readonly identity: Identity;
      readonly subject: string;
      readonly email: string | undefined;
    }
  | {
      readonly ok: false;
      readonly code: 'ERR_LOGIN_HOSTED_DOMAIN' | 'ERR_LOGIN_UPSTREAM_INVALID';
      readonly message: string;
    };

/**
 * Maps validated ID token claims to the identity policy evaluates, applying the hosted-domain
 * restriction: with one configured, the account must carry that `hd` claim (Google Workspace), or,
 * for an IdP without `hd`, a verified email in that domain. The subject of the tokens the service
 * issues is the verified email (lower-cased), which is what policies, revocations and auditors name;
 * an identity without one keeps the IdP's `sub`. Pure.
 *
 * @example
 * identityFromClaims({ iss: 'https://accounts.google.com', sub: '1', email: 'a@example.com', email_verified: true, hd: 'example.com' },
 *   { hostedDomain: 'example.com' });
 */
export function identityFromClaims(
  claims: UpstreamClaims,
  options: { readonly hostedDomain: string | undefined },
): UpstreamIdentityResult {
  if (typeof claims.sub !== 'string' || claims.sub === '' || typeof claims.iss !== 'string') {
    return {
      ok: false,
      code: 'ERR_LOGIN_UPSTREAM_INVALID',
      message: 'the ID token has no subject or issuer',
    };
  }
  const email = typeof claims.email === 'string' ? claims.email.toLowerCase() : undefined;
  const emailVerified = claims.email_verified === true || claims.email_verified === 'true';
  const groups = Array.isArray(claims.groups)
    ? claims.groups.filter((g): g is string => typeof g === 'string')
    : [];
  if (options.hostedDomain !== undefined) {
    const hd = typeof claims.hd === 'string' ? claims.hd.toLowerCase() : undefined;
    const emailDomain = emailVerified ? email?.slice(email.lastIndexOf('@') + 1) : undefined;
    const inDomain = hd !== undefined ? hd === options.hostedDomain : emailDomain === options.hostedDomain;
    if (!inDomain) {
      return {
        ok: false,
        code: 'ERR_LOGIN_HOSTED_DOMAIN',
        message: `only accounts of ${options.hostedDomain} may sign in`,
      };
    }
  }
  const identity: Identity = { subject: claims.sub, email, emailVerified, groups, issuer: claims.iss };
  return { ok: true, identity, subject: emailVerified && email ? email : claims.sub, email };
}
