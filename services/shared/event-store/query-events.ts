import type { Kysely } from 'kysely';
import type { ReadonlyDatabase } from '../db/index.js';
import type { StoredEvent } from './api.js';
import type { Decision, EventType } from './events.js';
import { type AuditEventRow, toStoredEvent } from './stored-event.js';

/** Filters of {@link queryEvents}; all given filters must match. */
export interface EventQuery {
  readonly type?: EventType | readonly EventType[] | undefined;
  readonly subject?: string | undefined;
  readonly toolName?: string | undefined;
  readonly decision?: Decision | undefined;
  readonly reasonCode?: string | undefined;
  readonly traceId?: string | undefined;
  readonly tokenId?: string | undefined;
  /** `recorded_at >= since`. */
  readonly since?: Date | undefined;
  /** `recorded_at < until`. */
  readonly until?: Date | undefined;
  /** Cursor: only events with a greater `global_position` (a decimal string). */
  readonly afterPosition?: string | undefined;
  /** Default 100, at most 1000. */
  readonly limit?: number | undefined;
}

/**
 * A filtered read in `global_position` order, for the audit API and tests. Every value is a bound
 * parameter. For following the log as it grows use `readEventsAfter`: a position cursor can pass a
 * row whose transaction commits late.
 *
 * @example
 * await queryEvents(reader, { subject: 'alice', decision: 'deny', limit: 50 });
 */
export async function queryEvents(
  db: Kysely<ReadonlyDatabase>,
  query: EventQuery = {},
): Promise<StoredEvent[]> {
  const limit = query.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new TypeError('limit must be 1 to 1000');
  if (query.afterPosition !== undefined && !/^\d+$/.test(query.afterPosition)) {
    throw new TypeError('afterPosition must be a decimal string');
  }
  let select = db.selectFrom('audit_events').selectAll();
  if (query.type !== undefined) {
    const types = typeof query.type === 'string' ? [query.type] : [...query.type];
    if (types.length === 0) return [];
    select = select.where('event_type', 'in', types);
  }
  if (query.subject !== undefined) select = select.where('subject', '=', query.subject);
  if (query.toolName !== undefined) select = select.where('tool_name', '=', query.toolName);
  if (query.decision !== undefined) select = select.where('decision', '=', query.decision);
  if (query.reasonCode !== undefined) select = select.where('reason_code', '=', query.reasonCode);
  if (query.traceId !== undefined) select = select.where('trace_id', '=', query.traceId);
  if (query.tokenId !== undefined) select = select.where('token_id', '=', query.tokenId);
  if (query.since !== undefined) select = select.where('recorded_at', '>=', query.since);
  if (query.until !== undefined) select = select.where('recorded_at', '<', query.until);
  if (query.afterPosition !== undefined) select = select.where('global_position', '>', query.afterPosition);
  const rows = (await select.orderBy('global_position').limit(limit).execute()) as AuditEventRow[];
  return rows.map(toStoredEvent);
}
