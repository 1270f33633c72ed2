import { randomBytes } from 'node:crypto';
import type { PublicAuditEvent } from '../../../token-service/src/audit-api/public-event.js';
import { CliError, exitCodes } from './cli-error.js';
import type { Connection } from './connection.js';

/** One page of `GET /audit/events`. */
export interface AuditPage<T> {
  readonly events: readonly T[];
  readonly nextCursor: string;
  readonly hasMore: boolean;
}

/**
 * A client of `GET /audit/events`. All requests of one command carry one W3C trace id, so its
 * `audit.queried` events can be found together. Errors become {@link CliError}s: 400 → usage,
 * 401/403 → auth, anything else → failed.
 */
export class AuditClient {
  readonly #connection: Connection;
  readonly #traceId = randomBytes(16).toString('hex');

  constructor(connection: Connection) {
    this.#connection = connection;
  }

  /** The trace id every request of this client carries. */
  get traceId(): string {
    return this.#traceId;
  }

  /** A page as parsed events (JSON). */
  async page(params: URLSearchParams, signal?: AbortSignal): Promise<AuditPage<PublicAuditEvent>> {
    const response = await this.#get(params, 'application/json', signal);
    const body = (await response.json()) as {
      events?: PublicAuditEvent[];
      next_cursor?: string;
      has_more?: boolean;
    };
    if (!Array.isArray(body.events) || typeof body.next_cursor !== 'string') {
      throw new CliError(
        exitCodes.failed,
        `unexpected response from ${this.#connection.server}/audit/events`,
      );
    }
    return { events: body.events, nextCursor: body.next_cursor, hasMore: body.has_more === true };
  }

  /** A page as NDJSON lines, exactly as the server sent them (no trailing newline in each). */
  async ndjsonPage(params: URLSearchParams, signal?: AbortSignal): Promise<AuditPage<string>> {
    const withFormat = new URLSearchParams(params);
    withFormat.set('format', 'ndjson');
    const response = await this.#get(withFormat, 'application/x-ndjson', signal);
    const nextCursor = response.headers.get('x-next-cursor');
    if (!nextCursor) throw new CliError(exitCodes.failed, 'the audit API sent no X-Next-Cursor header');
    const text = await response.text();
    return {
      events: text.split('\n').filter((line) => line !== ''),
      nextCursor,
      hasMore: /rel="next"/.test(response.headers.get('link') ?? ''),
    };
  }

  async #get(params: URLSearchParams, accept: string, signal?: AbortSignal): Promise<Response> {
    const url = `${this.#connection.server}/audit/events?${params}`;
    let response: Response;
    try {
      response = await fetch(url, {
        headers: {
          authorization: `Bearer ${this.#connection.token}`,
          accept,
          traceparent: `00-${this.#traceId}-${randomBytes(8).toString('hex')}-01`,
          'user-agent': 'mcp-audit',
        },
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(60_000)]) : AbortSignal.timeout(60_000),
      });
    } catch (error) {
      if ((error as Error).name === 'AbortError' && signal?.aborted) throw error;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(
        exitCodes.failed,
        `cannot reach the audit API at ${this.#connection.server}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
        { cause: error },
      );
    }
    if (response.ok) return response;
    const body = (await response.json().catch(() => ({}))) as { error?: string; message?: string };
    const detail = `${response.status} ${body.error ?? response.statusText}${body.message ? `: ${body.message}` : ''}`;
    if (response.status === 400)
      throw new CliError(exitCodes.usage, `the audit API refused the query: ${detail}`);
    if (response.status === 401 || response.status === 403) {
      const hint =
        response.status === 403
          ? ' (the token needs the audit:read scope)'
          : ' (the token must be for the token service: mcp-token login, or npm run token -- --resource token-service)';
      throw new CliError(exitCodes.auth, `the audit API refused the token: ${detail}${hint}`);
    }
    throw new CliError(exitCodes.failed, `the audit API failed: ${detail}`);
  }
}
