import { connect, type Socket } from 'node:net';
import {
  classify,
  type McpSender,
  type Outcome,
  requestHeaders,
  type SendOptions,
} from './mcp-http-client.js';

/** Options of {@link RawMcpClient}. */
export interface RawMcpClientOptions {
  /** An `http:` MCP endpoint, e.g. `http://127.0.0.1:8080/mcp`. */
  readonly url: string;
  /** Keep-alive connections, one per concurrent sender. */
  readonly connections: number;
  /** A whole answer must arrive within this. Default 30 s. */
  readonly timeoutMs?: number;
}

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
}

/**
 * The bench's load generator: the same POSTs as {@link McpHttpClient}, written straight to
 * keep-alive sockets (HTTP/1.1, one request in flight per connection) and read back with a minimal
 * parser. On this two-core machine the load generator shares a core with PostgreSQL; undici spends
 * several times more CPU per request than this, CPU the database then lacks. Plain `http:` only, no
 * redirects; everything it sends and reads is what `McpHttpClient` does, and answers are classified
 * by the same {@link classify}.
 */
export class RawMcpClient implements McpSender {
  readonly url: string;
  readonly #host: string;
  readonly #port: number;
  readonly #path: string;
  readonly #timeoutMs: number;
  readonly #idle: RawConnection[] = [];
  readonly #waiting: ((connection: RawConnection) => void)[] = [];
  readonly #all = new Set<RawConnection>();
  readonly #connections: number;
  #requestCache: { key: string; bytes: Buffer } | undefined;

  constructor(options: RawMcpClientOptions) {
    const url = new URL(options.url);
    if (url.protocol !== 'http:') throw new Error(`RawMcpClient speaks plain http only, not ${url.protocol}`);
    this.url = options.url;
    this.#host = url.hostname.replace(/^\[|\]$/g, '');
    this.#port = Number(url.port || 80);
    this.#path = `${url.pathname}${url.search}`;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#connections = options.connections;
  }

  async send(message: object | string, options: SendOptions = {}): Promise<Outcome> {
    const body = typeof message === 'string' ? message : JSON.stringify(message);
    const bytes = this.#request(body, options);
    const connection = await this.#acquire();
    const started = performance.now();
    let answer: Answer;
    try {
      answer = await connection.exchange(bytes, this.#timeoutMs);
    } catch (error) {
      const latencyMs = performance.now() - started;
      this.#all.delete(connection);
      connection.destroy();
      this.#release(undefined);
      const code = (error as { code?: string }).code ?? 'ERROR';
      return code === 'TIMEOUT'
        ? { kind: 'timeout', status: 0, label: 'timeout', latencyMs }
        : { kind: 'network', status: 0, label: `network ${code}`, latencyMs };
    }
    const latencyMs = performance.now() - started;
    if (connection.reusable) this.#release(connection);
    else {
      this.#all.delete(connection);
      connection.destroy();
      this.#release(undefined);
    }
    return classify(answer.status, answer.contentType, answer.text, latencyMs);
  }

  async close(): Promise<void> {
    for (const connection of this.#all) connection.destroy();
    this.#all.clear();
    this.#idle.length = 0;
  }

  /** The request's bytes; the last one is kept, since a load phase sends the same request again. */
  #request(body: string, options: SendOptions): Buffer {
    const key = `${body}\0${options.token ?? ''}\0${options.protocolVersion ?? ''}\0${options.traceparent ?? ''}\0${JSON.stringify(options.headers ?? {})}`;
    if (this.#requestCache?.key === key) return this.#requestCache.bytes;
    const headers: Record<string, string> = {
      host: `${this.#host.includes(':') ? `[${this.#host}]` : this.#host}:${this.#port}`,
      ...requestHeaders(options),
    };
    const payload = Buffer.from(body);
    headers['content-length'] = String(payload.length);
    let head = `POST ${this.#path} HTTP/1.1\r\n`;
    for (const [name, value] of Object.entries(headers)) {
      if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) throw new Error(`header ${name} holds a line break`);
      head += `${name}: ${value}\r\n`;
    }
    const bytes = Buffer.concat([Buffer.from(`${head}\r\n`), payload]);
    this.#requestCache = { key, bytes };
    return bytes;
  }

  #acquire(): Promise<RawConnection> {
    // A connection the server closed while it sat idle (its keep-alive timeout) is dropped here,
    // not reported as a failed request.
    for (let idle = this.#idle.pop(); idle; idle = this.#idle.pop()) {
      if (idle.reusable) return Promise.resolve(idle);
      this.#all.delete(idle);
      idle.destroy();
    }
    if (this.#all.size < this.#connections) {
      const connection = new RawConnection(connect({ host: this.#host, port: this.#port, noDelay: true }));
      this.#all.add(connection);
      return Promise.resolve(connection);
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Hands a connection (or a fresh one, for one that was dropped) to the next waiter, else idles it. */
  #release(connection: RawConnection | undefined): void {
    const waiter = this.#waiting.shift();
    if (waiter) {
      const next =
        connection ?? new RawConnection(connect({ host: this.#host, port: this.#port, noDelay: true }));
      this.#all.add(next);
      waiter(next);
    } else if (connection) {
      this.#idle.push(connection);
    }
  }
}

/** One keep-alive socket with at most one exchange in flight. */
class RawConnection {
  readonly #socket: Socket;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #pending: { resolve: (answer: Answer) => void; reject: (error: Error) => void } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #failure: Error | undefined;
  reusable = true;

  constructor(socket: Socket) {
    this.#socket = socket;
    const fail = (error: Error) => {
      this.#failure ??= error;
      this.reusable = false;
      this.#settle(undefined, this.#failure);
    };
    const parse = (atClose: boolean) => {
      try {
        this.#tryParse(atClose);
      } catch (error) {
        fail(Object.assign(error as Error, { code: 'EPROTO' }));
        socket.destroy();
      }
    };
    socket.on('data', (chunk: Buffer) => {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
      parse(false);
    });
    socket.on('error', fail);
    socket.on('close', () => {
      // A body without length or chunks ends with the connection.
      parse(true);
      fail(Object.assign(new Error('connection closed'), { code: 'ECONNRESET' }));
    });
  }

  exchange(bytes: Buffer, timeoutMs: number): Promise<Answer> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#timer = setTimeout(
        () => this.#settle(undefined, Object.assign(new Error('timeout'), { code: 'TIMEOUT' })),
        timeoutMs,
      );
      this.#socket.write(bytes);
    });
  }

  destroy(): void {
    this.#socket.destroy();
  }

  #settle(answer: Answer | undefined, error?: Error): void {
    const pending = this.#pending;
    if (!pending) return;
    this.#pending = undefined;
    clearTimeout(this.#timer);
    if (answer) pending.resolve(answer);
    else pending.reject(error ?? new Error('no answer'));
  }

  /** Settles the exchange once a whole answer is buffered; `atClose`: the server closed the connection. */
  #tryParse(atClose: boolean): void {
    if (!this.#pending) return;
    const data = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#buffered);
    this.#chunks = [data];
    const headEnd = data.indexOf('\r\n\r\n');
    if (headEnd === -1) return;
    const head = data.toString('latin1', 0, headEnd);
    const lines = head.split('\r\n');
    const statusLine = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0] ?? '');
    if (!statusLine) throw new Error(`not an HTTP/1.x status line: ${JSON.stringify(lines[0])}`);
    const status = Number(statusLine[1]);
    if (status < 200) {
      // An interim answer (103 Early Hints, say): the final one follows.
      const rest = data.subarray(headEnd + 4);
      this.#chunks = rest.length > 0 ? [rest] : [];
      this.#buffered = rest.length;
      this.#tryParse(atClose);
      return;
    }
    let contentLength: number | undefined;
    let chunked = false;
    let contentType = '';
    let close = false;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') {
        if (!/^\d+$/.test(value)) throw new Error(`malformed content-length ${JSON.stringify(value)}`);
        contentLength = Number(value);
      } else if (name === 'transfer-encoding') chunked = value.toLowerCase().includes('chunked');
      else if (name === 'content-type') contentType = value;
      else if (name === 'connection') close = value.toLowerCase() === 'close';
    }
    const bodyStart = headEnd + 4;
    let body: Buffer | undefined;
    let consumed = 0;
    if (chunked) {
      const decoded = decodeChunked(data, bodyStart);
      if (!decoded) return;
      body = decoded.body;
      consumed = decoded.end;
    } else if (contentLength === undefined && status !== 204 && status !== 304) {
      // Neither a length nor chunks: the body is everything until the server closes.
      this.reusable = false;
      if (!atClose) return;
      body = data.subarray(bodyStart);
      consumed = data.length;
    } else {
      const length = contentLength ?? 0;
      if (data.length < bodyStart + length) return;
      body = data.subarray(bodyStart, bodyStart + length);
      consumed = bodyStart + length;
    }
    const rest = data.subarray(consumed);
    this.#chunks = rest.length > 0 ? [rest] : [];
    this.#buffered = rest.length;
    if (close) this.reusable = false;
    this.#settle({ status, contentType, text: body.toString('utf8') });
  }
}

/** A complete chunked body starting at `offset`, or undefined while more bytes are needed. */
function decodeChunked(data: Buffer, offset: number): { body: Buffer; end: number } | undefined {
  const parts: Buffer[] = [];
  let at = offset;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd === -1) return undefined;
    const size = Number.parseInt(data.toString('latin1', at, lineEnd), 16);
    if (!Number.isFinite(size)) throw new Error('malformed chunked body');
    const start = lineEnd + 2;
    if (size === 0) {
      // The last chunk, then (no trailers are expected) the final CRLF.
      if (data.length < start + 2) return undefined;
      return { body: Buffer.concat(parts), end: start + 2 };
    }
    if (data.length < start + size + 2) return undefined;
    parts.push(data.subarray(start, start + size));
    at = start + size + 2;
  }
}
