import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { ReadonlyDatabase } from '../../../shared/db/index.js';
import { AppError } from '../../../shared/errors/index.js';
import {
  type EventAppender,
  type EventPage,
  type PolicyRef,
  readEventPage,
} from '../../../shared/event-store/index.js';
import { encodeCursor } from './audit-cursor.js';
import { type AuditQuery, parseAuditQuery } from './audit-query.js';
import { toPublicEvent } from './public-event.js';

/** Options of {@link auditEventsRoute}. */
export interface AuditEventsRouteOptions {
  /** `onRequest` hook admitting only tokens for this service that grant `audit:read`. */
  readonly authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;
  /** Read access to the log; undefined answers 503 `ERR_AUDIT_QUERY_UNAVAILABLE`. */
  readonly reader: Kysely<ReadonlyDatabase> | undefined;
  readonly append: EventAppender['append'];
  readonly instanceId: string;
  readonly policy: PolicyRef;
  /** Public URL of this service, for the `Link: <…>; rel="next"` header. */
  readonly baseUrl: string;
  readonly clock?: () => Date;
}

const ndjsonType = 'application/x-ndjson';

/**
 * `GET /audit/events`: a filtered page of the audit log in commit order, as JSON
 * (`{ events, next_cursor, has_more }`) or NDJSON (`Accept: application/x-ndjson` or
 * `format=ndjson`; one event per line, the cursor in `X-Next-Cursor`). A full page has
 * `Link: <…>; rel="next"`. Each query is recorded as `audit.queried` (who, which filters, how many
 * results) and answered only once that event is committed.
 */
export async function auditEventsRoute(
  app: FastifyInstance,
  options: AuditEventsRouteOptions,
): Promise<void> {
  const clock = options.clock ?? (() => new Date());
  app.get('/audit/events', { onRequest: options.authenticate }, async (request, reply) => {
    const parsed = parseAuditQuery(request.query as Record<string, unknown>, clock());
    if (!parsed.ok) throw new AppError('ERR_AUDIT_QUERY_INVALID', parsed.message);
    const { query } = parsed;
    if (!options.reader) throw new AppError('ERR_AUDIT_QUERY_UNAVAILABLE');
    const format = query.format ?? (acceptsNdjson(request.headers.accept) ? 'ndjson' : 'json');

    const page = await readEventPage(options.reader, query.filter, query.after, query.limit);
    await recordQuery(request, options, query, format, page.events.length);

    const nextCursor = encodeCursor(page.next);
    reply.header('cache-control', 'no-store');
    reply.header('x-next-cursor', nextCursor);
    if (page.hasMore) reply.header('link', `<${nextLink(options.baseUrl, query, nextCursor)}>; rel="next"`);
    return format === 'ndjson'
      ? sendNdjson(reply, page)
      : { events: page.events.map(toPublicEvent), next_cursor: nextCursor, has_more: page.hasMore };
  });
}

function acceptsNdjson(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((range) => range.split(';')[0]!.trim().toLowerCase() === ndjsonType);
}

function sendNdjson(reply: FastifyReply, page: EventPage): FastifyReply {
  reply.type(`${ndjsonType}; charset=utf-8`);
  // Streamed line by line: a page of 1000 events is never held as one string.
  return reply.send(
    Readable.from(
      (function* () {
        for (const event of page.events) yield `${JSON.stringify(toPublicEvent(event))}\n`;
      })(),
    ),
  );
}

function nextLink(baseUrl: string, query: AuditQuery, cursor: string): string {
  const url = new URL('/audit/events', baseUrl);
  for (const [name, value] of Object.entries(query.parameters)) url.searchParams.set(name, value);
  if (query.format) url.searchParams.set('format', query.format);
  url.searchParams.set('cursor', cursor);
  return url.toString();
}

async function recordQuery(
  request: FastifyRequest,
  options: AuditEventsRouteOptions,
  query: AuditQuery,
  format: 'json' | 'ndjson',
  resultCount: number,
): Promise<void> {
  const caller = request.apiCaller;
  if (!caller) throw new AppError('ERR_INTERNAL', 'audit route reached without an authenticated caller');
  const filters: Record<string, string> = { ...query.parameters, format };
  const cursor = (request.query as Record<string, unknown>).cursor;
  if (typeof cursor === 'string') filters.cursor = cursor;
  await options.append({
    type: 'audit.queried',
    service: 'token-service',
    instanceId: options.instanceId,
    actor: { subject: caller.subject, clientId: caller.clientId, tokenId: caller.tokenId },
    request: { method: 'GET /audit/events' },
    decision: 'allow',
    reasonCode: 'OK',
    policy: options.policy,
    scopesRequired: ['audit:read'],
    scopesGranted: [...caller.scopes].sort(),
    trace: caller.trace,
    source: caller.source,
    data: { filters, resultCount },
  });
}
