/** What the authorization layer needs to know about one JSON-RPC message. */
export interface InspectedMessage {
  readonly method: string | undefined;
  /** JSON-RPC id as text; undefined for notifications and responses. */
  readonly id: string | number | undefined;
  /** `params.name` of a `tools/call`. */
  readonly toolName: string | undefined;
  readonly toolArguments: unknown;
}

export type InspectResult =
  | { readonly ok: true; readonly messages: readonly InspectedMessage[] }
  | { readonly ok: false; readonly message: string };

/**
 * Picks the method, id and tool name out of a POSTed JSON-RPC body (one message or a batch) so that
 * the decision is made before the MCP SDK sees the request. Full protocol validation stays with the
 * SDK; this only refuses what cannot be a JSON-RPC message at all.
 */
export function inspectMessages(body: unknown): InspectResult {
  const items = Array.isArray(body) ? body : [body];
  if (items.length === 0) return { ok: false, message: 'empty JSON-RPC batch' };
  const messages: InspectedMessage[] = [];
  for (const item of items) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      return { ok: false, message: 'a JSON-RPC message must be an object' };
    }
    const record = item as Record<string, unknown>;
    if (record.jsonrpc !== '2.0') return { ok: false, message: 'jsonrpc must be "2.0"' };
    const { method, id } = record;
    if (method !== undefined && typeof method !== 'string')
      return { ok: false, message: 'method must be a string' };
    if (id !== undefined && id !== null && typeof id !== 'string' && typeof id !== 'number') {
      return { ok: false, message: 'id must be a string or a number' };
    }
    const params =
      typeof record.params === 'object' && record.params !== null
        ? (record.params as Record<string, unknown>)
        : {};
    messages.push({
      method,
      id: id ?? undefined,
      toolName: method === 'tools/call' && typeof params.name === 'string' ? params.name : undefined,
      toolArguments: method === 'tools/call' ? params.arguments : undefined,
    });
  }
  return { ok: true, messages };
}
