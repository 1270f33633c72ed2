import type { IdentityMatch, Policy } from './policy.js';

/** What the token service knows about who signed in, from the IdP's ID token. */
export interface Identity {
  readonly subject: string;
  readonly email?: string | undefined;
  /** Only a verified email (`email_verified: true`) can match an `email` or `email_domain` rule. */
  readonly emailVerified?: boolean | undefined;
  readonly groups?: readonly string[] | undefined;
  /** The IdP's issuer identifier, compared exactly. */
  readonly issuer: string;
}

/** The scopes an identity is granted and which rules granted them. */
export interface IdentityScopes {
  /** The union of the scopes of every matching rule, sorted, no repeats; empty when none matched. */
  readonly scopes: string[];
  /** 0-based indexes into `policy.identities` of the rules that matched, ascending. */
  readonly matchedRules: number[];
}

/**
 * The scopes the policy grants an identity: the union over every rule that matches (not the first
 * match), where a rule matches when all of its conditions hold. Emails compare case-insensitively and
 * only when verified; the domain is the part after the last "@", compared exactly (no subdomains);
 * groups and issuers compare exactly. An empty result means no token may be issued. Pure.
 *
 * @example
 * ```ts
 * scopesForIdentity(policy, {
 *   subject: 'u-123', email: 'Security@Example.com', emailVerified: true, issuer: 'https://idp.example.com',
 * });
 * // { scopes: ['audit:read', 'confidential:read', 'public:read', 'tokens:revoke'], matchedRules: [0, 2] }
 * ```
 */
export function scopesForIdentity(policy: Policy, identity: Identity): IdentityScopes {
  const email = identity.emailVerified === true ? identity.email?.toLowerCase() : undefined;
  const scopes = new Set<string>();
  const matchedRules: number[] = [];
  policy.identities.forEach((rule, index) => {
    if (!matches(rule.match, identity, email)) return;
    matchedRules.push(index);
    for (const scope of rule.scopes) scopes.add(scope);
  });
  return { scopes: [...scopes].sort(), matchedRules };
}

function matches(match: IdentityMatch, identity: Identity, verifiedEmail: string | undefined): boolean {
  if (match.email !== undefined && (verifiedEmail === undefined || !match.email.includes(verifiedEmail))) {
    return false;
  }
  if (match.emailDomain !== undefined && domainOf(verifiedEmail) !== match.emailDomain) return false;
  if (match.group !== undefined && !(identity.groups ?? []).includes(match.group)) return false;
  if (match.issuer !== undefined && identity.issuer !== match.issuer) return false;
  return true;
}

function domainOf(email: string | undefined): string | undefined {
  const at = email?.lastIndexOf('@') ?? -1;
  return at > 0 ? email?.slice(at + 1) : undefined;
}
