import type { ErrorCode } from '../errors/codes.js';
import { errorCodes } from '../errors/codes.js';

/**
 * The scope contract: every scope the platform issues and enforces. Policies, tokens and audit
 * events use exactly these strings.
 *
 * @example
 * ```ts
 * import { scopes } from '../shared/auth/index.js';
 * for (const scope of scopes) console.log(scope);
 * ```
 */
export const scopes = ['public:read', 'confidential:read', 'audit:read', 'tokens:revoke'] as const;

/** One scope of the {@link scopes} contract. */
export type Scope = (typeof scopes)[number];

/**
 * Whether `value` is one of the {@link scopes} contract.
 *
 * @example
 * ```ts
 * isScope('audit:read'); // true
 * isScope('admin'); // false
 * ```
 */
export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && (scopes as readonly string[]).includes(value);
}

/** The outcome of {@link parseScopeClaim}. */
export type ScopeClaimResult =
  | { readonly ok: true; readonly scopes: ReadonlySet<string> }
  | {
      readonly ok: false;
      readonly code: Extract<ErrorCode, 'ERR_TOKEN_SCOPE_INVALID'>;
      readonly message: string;
    };

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * Parses a token's `scope` claim (RFC 6749 §3.3, RFC 9068 §2.2.3): an absent claim grants no scope;
 * a string is split on single spaces, ignoring empty parts; anything else, or a part with characters
 * outside the RFC 6749 `scope-token` syntax, is `ERR_TOKEN_SCOPE_INVALID`. Scopes outside the
 * {@link scopes} contract are kept: they grant nothing, since policy only asks for contract scopes.
 *
 * @example
 * ```ts
 * const result = parseScopeClaim('public:read audit:read');
 * if (result.ok) result.scopes.has('audit:read'); // true
 * parseScopeClaim(['public:read']); // { ok: false, code: 'ERR_TOKEN_SCOPE_INVALID', … }
 * ```
 */
export function parseScopeClaim(value: unknown): ScopeClaimResult {
  if (value === undefined) return { ok: true, scopes: new Set() };
  if (typeof value !== 'string') {
    return invalid(`expected a space-separated string, got ${describe(value)}`);
  }
  const granted = new Set<string>();
  for (const part of value.split(' ')) {
    if (part === '') continue;
    if (!SCOPE_TOKEN.test(part)) return invalid('a scope contains characters not allowed by RFC 6749 §3.3');
    granted.add(part);
  }
  return { ok: true, scopes: granted };
}

function invalid(detail: string): ScopeClaimResult {
  return {
    ok: false,
    code: 'ERR_TOKEN_SCOPE_INVALID',
    message: `${errorCodes.ERR_TOKEN_SCOPE_INVALID.message}: ${detail}`,
  };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
