import { describe, expect, it } from 'vitest';
import { loadPolicies } from './load-policies.js';
import { parsePolicy } from './parse-policy.js';
import { type Identity, scopesForIdentity } from './scopes-for-identity.js';

const issuer = 'https://idp.example.com';
const otherIssuer = 'https://accounts.partner.test';

const policy = parsePolicy(`id: mcp-docs
version: 1
tools: {}
identities:
  - match: { email_domain: example.com }                      # 0
    scopes: [public:read]
  - match: { email: Alice@Example.com }                       # 1
    scopes: [public:read]
  - match: { email: [security@example.com, soc@example.com] } # 2
    scopes: [public:read, confidential:read, audit:read, tokens:revoke]
  - match: { group: auditors }                                # 3
    scopes: [audit:read]
  - match: { issuer: ${otherIssuer} }                          # 4
    scopes: [public:read]
  - match: { group: strategy, issuer: ${issuer} }             # 5
    scopes: [confidential:read]
`);

const person = (overrides: Partial<Identity>): Identity => ({ subject: 'sub-1', issuer, ...overrides });

describe('scopesForIdentity', () => {
  it('matches an email exactly', () => {
    expect(
      scopesForIdentity(policy, person({ email: 'soc@example.com', emailVerified: true })).matchedRules,
    ).toContain(2);
  });

  it('compares emails case-insensitively on both sides', () => {
    expect(scopesForIdentity(policy, person({ email: 'ALICE@example.COM', emailVerified: true }))).toEqual({
      scopes: ['public:read'],
      matchedRules: [0, 1],
    });
  });

  it('matches an email domain exactly, case-insensitively, and not its subdomains', () => {
    expect(
      scopesForIdentity(policy, person({ email: 'bob@EXAMPLE.com', emailVerified: true })).matchedRules,
    ).toEqual([0]);
    expect(
      scopesForIdentity(policy, person({ email: 'bob@eu.example.com', emailVerified: true })).scopes,
    ).toEqual([]);
    expect(
      scopesForIdentity(policy, person({ email: 'bob@notexample.com', emailVerified: true })).scopes,
    ).toEqual([]);
  });

  it('matches a group the identity belongs to', () => {
    expect(scopesForIdentity(policy, person({ groups: ['staff', 'auditors'] }))).toEqual({
      scopes: ['audit:read'],
      matchedRules: [3],
    });
    expect(scopesForIdentity(policy, person({ groups: ['Auditors'] })).scopes).toEqual([]);
  });

  it('matches an issuer exactly', () => {
    expect(scopesForIdentity(policy, person({ issuer: otherIssuer }))).toEqual({
      scopes: ['public:read'],
      matchedRules: [4],
    });
    expect(scopesForIdentity(policy, person({ issuer: `${otherIssuer}/` })).scopes).toEqual([]);
  });

  it('requires every key of a rule to match (AND within a rule)', () => {
    expect(scopesForIdentity(policy, person({ groups: ['strategy'] })).matchedRules).toEqual([5]);
    expect(
      scopesForIdentity(policy, person({ groups: ['strategy'], issuer: otherIssuer })).matchedRules,
    ).toEqual([4]);
  });

  it('grants the union of every matching rule, sorted and without repeats', () => {
    const security = person({
      email: 'Security@Example.com',
      emailVerified: true,
      groups: ['auditors', 'strategy'],
    });
    expect(scopesForIdentity(policy, security)).toEqual({
      scopes: ['audit:read', 'confidential:read', 'public:read', 'tokens:revoke'],
      matchedRules: [0, 2, 3, 5],
    });
  });

  it('ignores an unverified email for email and email_domain rules', () => {
    expect(
      scopesForIdentity(policy, person({ email: 'security@example.com', emailVerified: false })),
    ).toEqual({
      scopes: [],
      matchedRules: [],
    });
    expect(scopesForIdentity(policy, person({ email: 'security@example.com' })).scopes).toEqual([]);
    expect(
      scopesForIdentity(policy, person({ email: 'security@example.com', groups: ['auditors'] })).matchedRules,
    ).toEqual([3]);
  });

  it('returns nothing when no rule matches, so no token is issued', () => {
    expect(scopesForIdentity(policy, person({ email: 'mallory@evil.test', emailVerified: true }))).toEqual({
      scopes: [],
      matchedRules: [],
    });
    expect(scopesForIdentity(policy, person({}))).toEqual({ scopes: [], matchedRules: [] });
  });

  it('gives the shipped dev identities their documented scopes', () => {
    for (const version of [1, 2]) {
      const { active } = loadPolicies({ dir: 'policies', version });
      const scopesOf = (email: string) =>
        scopesForIdentity(active, person({ email, emailVerified: true })).scopes;
      expect(scopesOf('alice@example.com')).toEqual(['public:read']);
      expect(scopesOf('security@example.com')).toEqual([
        'audit:read',
        'confidential:read',
        'public:read',
        'tokens:revoke',
      ]);
      expect(scopesOf('carol@example.com')).toEqual(['public:read']);
      expect(scopesOf('eve@example.org')).toEqual([]);
    }
  });
});
