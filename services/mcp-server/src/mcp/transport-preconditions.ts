import type { IncomingHttpHeaders } from 'node:http';
import {
  CallToolRequestSchema,
  JSONRPCMessageSchema,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/sdk/types.js';

/** A refusal in the shape the SDK's Streamable HTTP transport would have sent. */
export interface TransportRefusal {
  readonly status: number;
  readonly body: { jsonrpc: '2.0'; id: string | number | null; error: { code: number; message: string } };
}

/** The SDK transport's `MAX_BATCH_SIZE` (server/requestBody.js, not exported from the package). */
const maxBatchSize = 100;

const refuse = (status: number, code: number, message: string, id: string | number | null = null) => ({
  status,
  body: { jsonrpc: '2.0' as const, id, error: { code, message } },
});

/**
 * The checks the SDK transport makes before it dispatches anything (MCP transports §2.1: Accept;
 * protocol version header; JSON-RPC shape) plus the `tools/call` params schema, made here *before*
 * a decision is recorded: a request the SDK would refuse must not leave a `tool.call.allowed`
 * without an outcome, and a call that passes them may run without constructing an SDK server.
 */
export function checkTransportPreconditions(
  headers: IncomingHttpHeaders,
  body: unknown,
): TransportRefusal | undefined {
  const accept = headers.accept ?? '';
  if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
    return refuse(
      406,
      -32000,
      'Not Acceptable: Client must accept both application/json and text/event-stream',
    );
  }
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  // The SDK transport's limits on batches, checked before any message's decision is recorded (a
  // `tools/list` in a batch is recorded as it is decided): at most 100 messages, and an initialize
  // alone.
  if (messages.length > maxBatchSize) {
    return refuse(400, -32600, `Invalid Request: Batch must not exceed ${maxBatchSize} messages`);
  }
  for (const message of messages) {
    if (!JSONRPCMessageSchema.safeParse(message).success) {
      return refuse(400, -32700, 'Parse error: Invalid JSON-RPC message');
    }
  }
  const initializing = messages.some((m) => (m as { method?: unknown }).method === 'initialize');
  if (initializing && messages.length > 1) {
    return refuse(400, -32600, 'Invalid Request: Only one initialization request is allowed');
  }
  const version = headers['mcp-protocol-version'];
  if (!initializing && typeof version === 'string' && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
    return refuse(
      400,
      -32000,
      `Bad Request: Unsupported protocol version: ${version} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`,
    );
  }
  for (const message of messages) {
    const { method, id } = message as { method?: unknown; id?: string | number };
    if (method === 'tools/call' && !CallToolRequestSchema.safeParse(message).success) {
      // JSON-RPC "Invalid params", answered in-band like the SDK's own request validation.
      return refuse(
        200,
        -32602,
        'Invalid params: tools/call needs params.name (string) and object arguments',
        id ?? null,
      );
    }
  }
  return undefined;
}
