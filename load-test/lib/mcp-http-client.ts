import { Agent, type Dispatcher, request } from 'undici';

/**
 * How one request ended, from the client's side:
 * - `ok`: a JSON-RPC result (or 202 for a notification);
 * - `denied`: the authorization layer refused a call as designed (403 insufficient scope, or the
 *   JSON-RPC "Unknown tool" error for a tool the policy does not let this token use);
 * - `http`: any other HTTP status; `jsonrpc`: a JSON-RPC error; `tool`: a result with `isError`;
 * - `network` / `timeout`: no HTTP answer.
 */
export type OutcomeKind = 'ok' | 'denied' | 'http' | 'jsonrpc' | 'tool' | 'network' | 'timeout';

export interface Outcome {
  readonly kind: OutcomeKind;
  /** HTTP status; 0 when there was no answer. */
  readonly status: number;
  /** A stable label for error tables: `http 503 ERR_AUDIT_UNAVAILABLE`, `jsonrpc -32602`, `network ECONNRESET`. */
  readonly label: string;
  readonly latencyMs: number;
  /** The JSON-RPC message answered (first one of an SSE stream), when there was one. */
  readonly message?: JsonRpcResponse | undefined;
  /** The parsed body of a non-JSON-RPC answer (the server's `{ error, message }`), when JSON. */
  readonly errorBody?: { error?: string; message?: string } | undefined;
}

export interface JsonRpcResponse {
  readonly jsonrpc?: string;
  readonly id?: string | number | null;
  readonly result?: Record<string, unknown>;
  readonly error?: { code: number; message: string; data?: { error?: string } };
}

export interface McpHttpClientOptions {
  /** The MCP endpoint, e.g. `http://127.0.0.1:8080/mcp`. Requests go to this URL only. */
  readonly url: string;
  /** Keep-alive connections to open at most (one per concurrent user is right). */
  readonly connections: number;
  /** Headers and body must arrive within this. Default 30 s. */
  readonly timeoutMs?: number;
}

export interface SendOptions {
  readonly token?: string | undefined;
  /** `MCP-Protocol-Version` header, sent once a client has initialized (MCP 2025-06-18 §transports). */
  readonly protocolVersion?: string | undefined;
  readonly traceparent?: string | undefined;
  /** Extra or replacement headers (fuzzing). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/** Sends one JSON-RPC message and classifies the answer: {@link McpHttpClient}, or the bench's raw client. */
export interface McpSender {
  readonly url: string;
  send(message: object | string, options?: SendOptions): Promise<Outcome>;
  close(): Promise<void>;
}

/**
 * A minimal MCP Streamable HTTP client for load: one POST per JSON-RPC message over a keep-alive
 * undici pool, classifying each answer into an {@link Outcome}. It follows no redirects and talks
 * to nothing but its URL.
 */
export class McpHttpClient implements McpSender {
  readonly url: string;
  readonly #agent: Agent;
  readonly #timeoutMs: number;

  constructor(options: McpHttpClientOptions) {
    this.url = options.url;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#agent = new Agent({
      connections: options.connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
    });
  }

  get dispatcher(): Dispatcher {
    return this.#agent;
  }

  /** POSTs one JSON-RPC message (an object, or a pre-serialized body) and classifies the answer. */
  async send(message: object | string, options: SendOptions = {}): Promise<Outcome> {
    const body = typeof message === 'string' ? message : JSON.stringify(message);
    const headers = requestHeaders(options);
    const started = performance.now();
    let status = 0;
    let text: string;
    let contentType: string;
    try {
      const response = await request(this.url, { dispatcher: this.#agent, method: 'POST', headers, body });
      status = response.statusCode;
      contentType = String(response.headers['content-type'] ?? '');
      text = await response.body.text();
    } catch (error) {
      const latencyMs = performance.now() - started;
      const code = (error as { code?: string }).code ?? (error as Error).name ?? 'ERROR';
      const timeout = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
      return {
        kind: timeout ? 'timeout' : 'network',
        status,
        label: timeout ? 'timeout' : `network ${code}`,
        latencyMs,
      };
    }
    const latencyMs = performance.now() - started;
    return classify(status, contentType, text, latencyMs);
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

/** The headers of one POST: JSON in, JSON or SSE accepted, then what `options` adds or replaces. */
export function requestHeaders(options: SendOptions): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.protocolVersion !== undefined) headers['mcp-protocol-version'] = options.protocolVersion;
  if (options.traceparent !== undefined) headers.traceparent = options.traceparent;
  return Object.assign(headers, options.headers);
}

/** Turns a status and body into an {@link Outcome}. Exported for tests. */
export function classify(status: number, contentType: string, text: string, latencyMs: number): Outcome {
  if (status === 202) return { kind: 'ok', status, label: 'ok', latencyMs };
  const parsed = parseBody(contentType, text);
  if (status === 200 && isJsonRpcResponse(parsed)) {
    const message = parsed;
    if (message.error) {
      const code = message.error.data?.error;
      // "Unknown tool" for a tool the policy keeps from this token: a designed refusal.
      if (message.error.code === -32602 && code !== undefined && code.startsWith('ERR_TOOL_')) {
        return { kind: 'denied', status, label: `denied ${code}`, latencyMs, message };
      }
      return { kind: 'jsonrpc', status, label: `jsonrpc ${message.error.code}`, latencyMs, message };
    }
    if (message.result?.isError === true)
      return { kind: 'tool', status, label: 'tool isError', latencyMs, message };
    return { kind: 'ok', status, label: 'ok', latencyMs, message };
  }
  const errorBody =
    typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as { error?: string; message?: string })
      : undefined;
  const code = typeof errorBody?.error === 'string' ? errorBody.error : undefined;
  if (status === 403 && code === 'ERR_SCOPE_INSUFFICIENT') {
    return { kind: 'denied', status, label: `denied ${code}`, latencyMs, errorBody };
  }
  const message = isJsonRpcResponse(parsed) ? parsed : undefined;
  const rpcCode = message?.error?.code;
  return {
    kind: 'http',
    status,
    label: `http ${status}${code ? ` ${code}` : rpcCode !== undefined ? ` jsonrpc ${rpcCode}` : ''}`,
    latencyMs,
    message,
    errorBody,
  };
}

function parseBody(contentType: string, text: string): unknown {
  try {
    if (contentType.includes('text/event-stream')) {
      // The first `data:` line of the stream holds the response (a stateless server sends one).
      const data = text
        .split('\n')
        .find((line) => line.startsWith('data:'))
        ?.slice(5)
        .trim();
      return data === undefined ? undefined : JSON.parse(data);
    }
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isJsonRpcResponse(value: unknown): value is JsonRpcResponse {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    (value as { jsonrpc?: unknown }).jsonrpc === '2.0' &&
    ('result' in value || 'error' in value)
  );
}
