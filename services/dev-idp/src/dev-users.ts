/**
 * A person the dev IdP can sign in. The claim names follow OpenID Connect Core §5.1 (plus `groups`,
 * which Google Workspace exposes through its directory and the identity policy matches on).
 */
export interface DevUser {
  /** Stable subject identifier (`sub`), never reused for another person. */
  readonly sub: string;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly name: string;
  readonly givenName: string;
  readonly familyName: string;
  readonly groups: readonly string[];
  /** One line shown under the name on the login page. */
  readonly description: string;
}

/**
 * The dev users. Policy maps them as follows (see `policies/`): Alice is an engineer, Sam is on the
 * security team, Carol is in strategy, Mallory is an outsider whom policy maps to nothing, and
 * `unverified@example.com` has an `example.com` address and the engineering group but
 * `email_verified: false`, so only the verified-email rule can keep her out (negative tests).
 *
 * @example
 * const alice = DEV_USERS.find((user) => user.email === 'alice@example.com');
 */
export const DEV_USERS: readonly DevUser[] = Object.freeze(
  [
    {
      sub: 'dev-alice',
      email: 'alice@example.com',
      emailVerified: true,
      name: 'Alice Engineer',
      givenName: 'Alice',
      familyName: 'Engineer',
      groups: ['engineering'],
      description: 'Engineer',
    },
    {
      sub: 'dev-security',
      email: 'security@example.com',
      emailVerified: true,
      name: 'Sam Security',
      givenName: 'Sam',
      familyName: 'Security',
      groups: ['security-team'],
      description: 'Security team',
    },
    {
      sub: 'dev-carol',
      email: 'carol@example.com',
      emailVerified: true,
      name: 'Carol Strategy',
      givenName: 'Carol',
      familyName: 'Strategy',
      groups: ['strategy'],
      description: 'Strategy',
    },
    {
      sub: 'dev-mallory',
      email: 'mallory@evil.example',
      emailVerified: true,
      name: 'Mallory Outsider',
      givenName: 'Mallory',
      familyName: 'Outsider',
      groups: [],
      description: 'Outsider: policy grants nothing',
    },
    {
      sub: 'dev-unverified',
      email: 'unverified@example.com',
      emailVerified: false,
      name: 'Uma Unverified',
      givenName: 'Uma',
      familyName: 'Unverified',
      groups: ['engineering'],
      description: 'Engineer, for negative tests',
    },
  ].map((user) => Object.freeze({ ...user, groups: Object.freeze([...user.groups]) })),
);

/**
 * The OpenID Connect claims of a dev user; oidc-provider releases only those the granted scopes
 * cover (`email` → email, email_verified; `profile` → name, given_name, family_name; `groups`).
 */
export function devUserClaims(user: DevUser): { sub: string; [claim: string]: unknown } {
  return {
    sub: user.sub,
    email: user.email,
    email_verified: user.emailVerified,
    name: user.name,
    given_name: user.givenName,
    family_name: user.familyName,
    groups: [...user.groups],
  };
}
