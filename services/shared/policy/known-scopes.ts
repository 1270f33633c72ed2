/**
 * The contract scopes (design.md, "Policies are versioned files"). A policy may only name these; a
 * typo is a validation error at load time, never a scope nobody can hold.
 *
 * Kept here rather than imported from `services/shared/auth` so the policy module has no dependency
 * on the token code; the two lists must stay identical.
 *
 * @example
 * ```ts
 * knownScopes.includes('public:read'); // true
 * ```
 */
export const knownScopes = ['public:read', 'confidential:read', 'audit:read', 'tokens:revoke'] as const;

/** One of {@link knownScopes}. */
export type KnownScope = (typeof knownScopes)[number];
