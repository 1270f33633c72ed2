import type { Policy } from './policy.js';

/** Why a tool call is refused; each is a code of `services/shared/errors`. */
export type ToolCallDenialCode = 'ERR_TOOL_UNKNOWN' | 'ERR_TOOL_NOT_IN_POLICY' | 'ERR_SCOPE_INSUFFICIENT';

/** The outcome of {@link decideToolCall}: a value, never an exception, so a deny can be recorded. */
export type ToolCallDecision =
  | { readonly ok: true; readonly requiredScopes: readonly string[] }
  | {
      readonly ok: false;
      readonly code: ToolCallDenialCode;
      /** What the policy requires (empty when the tool is unknown or not in the policy). */
      readonly requiredScopes: readonly string[];
      /** The required scopes the caller lacks (empty unless `ERR_SCOPE_INSUFFICIENT`). */
      readonly missingScopes: readonly string[];
      readonly message: string;
    };

const none: readonly string[] = Object.freeze([]);

/**
 * Decides whether a caller holding `grantedScopes` may call `toolName`. Checked in order: the server
 * must have the tool (`ERR_TOOL_UNKNOWN`), the policy must list it, since anything unlisted is denied
 * (`ERR_TOOL_NOT_IN_POLICY`), and the caller must hold every scope it requires
 * (`ERR_SCOPE_INSUFFICIENT`). Pure: no I/O, no clock.
 *
 * @example
 * ```ts
 * const decision = decideToolCall(policy, new Set(['public:read']), 'get_confidential_info', serverTools);
 * // { ok: false, code: 'ERR_SCOPE_INSUFFICIENT', requiredScopes: ['confidential:read'],
 * //   missingScopes: ['confidential:read'], message: 'tool "get_confidential_info" requires …' }
 * ```
 */
export function decideToolCall(
  policy: Policy,
  grantedScopes: ReadonlySet<string>,
  toolName: string,
  serverTools: ReadonlySet<string>,
): ToolCallDecision {
  if (!serverTools.has(toolName)) {
    return {
      ok: false,
      code: 'ERR_TOOL_UNKNOWN',
      requiredScopes: none,
      missingScopes: none,
      message: `tool ${JSON.stringify(toolName)} does not exist on this server`,
    };
  }
  const rule = policy.tools.get(toolName);
  if (!rule) {
    return {
      ok: false,
      code: 'ERR_TOOL_NOT_IN_POLICY',
      requiredScopes: none,
      missingScopes: none,
      message: `tool ${JSON.stringify(toolName)} is not allowed by policy ${policy.id} v${policy.version}`,
    };
  }
  const missingScopes = rule.requiredScopes.filter((scope) => !grantedScopes.has(scope));
  if (missingScopes.length > 0) {
    return {
      ok: false,
      code: 'ERR_SCOPE_INSUFFICIENT',
      requiredScopes: rule.requiredScopes,
      missingScopes: Object.freeze(missingScopes),
      message: `tool ${JSON.stringify(toolName)} requires scope ${rule.requiredScopes.join(' ')}; missing: ${missingScopes.join(' ')}`,
    };
  }
  return { ok: true, requiredScopes: rule.requiredScopes };
}
