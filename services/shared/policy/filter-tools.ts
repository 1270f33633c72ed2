import { decideToolCall } from './decide-tool-call.js';
import type { Policy } from './policy.js';

/** The server's tools split by what {@link decideToolCall} would answer; both lists sorted. */
export interface FilteredTools {
  /** Tools the caller may call: show them in `tools/list`. */
  readonly visible: string[];
  /** Tools the caller may not call (not in the policy, or missing a scope): leave them out. */
  readonly hidden: string[];
}

/**
 * Splits the server's tools into those a caller holding `grantedScopes` may call and the rest, by
 * the same rule as {@link decideToolCall}, so a listed tool is always callable. Pure.
 *
 * @example
 * ```ts
 * filterTools(policy, new Set(['public:read']), ['get_confidential_info', 'get_public_info']);
 * // { visible: ['get_public_info'], hidden: ['get_confidential_info'] }
 * ```
 */
export function filterTools(
  policy: Policy,
  grantedScopes: ReadonlySet<string>,
  serverTools: readonly string[],
): FilteredTools {
  const known = new Set(serverTools);
  const visible: string[] = [];
  const hidden: string[] = [];
  for (const tool of [...known].sort()) {
    (decideToolCall(policy, grantedScopes, tool, known).ok ? visible : hidden).push(tool);
  }
  return { visible, hidden };
}
