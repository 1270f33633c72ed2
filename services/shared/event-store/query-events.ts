import type { Kysely } from 'kysely';
import type { ReadonlyDatabase } from '../db/index.js';
import type { StoredEvent } from './api.js';
import type { Decision, EventType } from './events.js';
import { type AuditEventRow, toStoredEvent } from './stored-event.js';
import { whereEventFilter } from './where-event-filter.js';

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
  const types =
    query.type === undefined ? undefined : typeof query.type === 'string' ? [query.type] : query.type;
  let select = whereEventFilter(db.selectFrom('audit_events').selectAll(), { ...query, types });
  if (query.afterPosition !== undefined) select = select.where('global_position', '>', query.afterPosition);
  const rows = (await select.orderBy('global_position').limit(limit).execute()) as AuditEventRow[];
  return rows.map(toStoredEvent);
}
