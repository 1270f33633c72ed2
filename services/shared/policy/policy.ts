import type { PolicyRef } from '../event-store/events.js';
import type { KnownScope } from './known-scopes.js';

/** What one tool requires: every scope listed, all at once. */
export interface ToolRule {
  readonly requiredScopes: readonly KnownScope[];
}

/**
 * The conditions of one identity rule. Every condition present must hold (AND); `email` holds when
 * the verified email is any of the listed addresses. Emails and the domain are stored lower-cased.
 */
export interface IdentityMatch {
  readonly email?: readonly string[];
  readonly emailDomain?: string;
  readonly group?: string;
  readonly issuer?: string;
}

/** One entry of a policy's `identities` list: who it matches and which scopes it grants. */
export interface IdentityRule {
  readonly match: IdentityMatch;
  readonly scopes: readonly KnownScope[];
}

/**
 * One validated, deeply frozen policy version, as loaded from one file by `loadPolicies`.
 *
 * @example
 * ```ts
 * const { active } = loadPolicies({ dir: 'policies' });
 * active.ref; // { id: 'mcp-docs', version: '2', hash: '3f1c…' }, stamped into tokens and events
 * active.tools.get('get_public_info')?.requiredScopes; // ['public:read']
 * ```
 */
export interface Policy {
  readonly id: string;
  /** The file's integer `version`, as a string (the token `pv` claim and events carry it so). */
  readonly version: string;
  /** SHA-256 of the file's bytes, lower-case hex. */
  readonly hash: string;
  /** The file it was read from, relative to the working directory when inside it. */
  readonly file: string;
  readonly description?: string;
  /** Tool name → rule. A tool missing from this map is denied (default deny). */
  readonly tools: ReadonlyMap<string, ToolRule>;
  /** In file order; `scopesForIdentity` reports matches by index into this list. */
  readonly identities: readonly IdentityRule[];
  /** `{ id, version, hash }`, the shape stamped into decision events. */
  readonly ref: PolicyRef;
}
