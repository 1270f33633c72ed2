import { type Kysely, sql } from 'kysely';
import type { ReadonlyDatabase } from '../db/index.js';
import type { ReadCheckpoint, StoredEvent } from './api.js';
import { startOfLog } from './read-events-after.js';
import { type AuditEventRow, toStoredEvent } from './stored-event.js';
import { type EventFilter, whereEventFilter } from './where-event-filter.js';

/** Filters of {@link readEventPage}; all given filters must match (values are bound parameters). */
/** The filters of {@link readEventPage}. */
export type EventPageFilter = EventFilter;

/** One page of {@link readEventPage}. */
export interface EventPage {
  readonly events: readonly StoredEvent[];
  /**
   * Where the next page starts. After a full page, the last event returned; after a short one, the
   * visibility horizon: every matching event below it has been returned, and every event that
   * commits later sorts after it.
   */
  readonly next: ReadCheckpoint;
  /** True when the page is full, so more matching events may already be readable. */
  readonly hasMore: boolean;
}

const decimal = /^\d{1,20}$/;
const maxXid8 = 2n ** 64n - 1n;
const maxBigint = 2n ** 63n - 1n;

/** True when `checkpoint` holds positions the database can compare (xid8, bigint). */
export function isValidCheckpoint(checkpoint: ReadCheckpoint): boolean {
  return (
    decimal.test(checkpoint.transactionId) &&
    decimal.test(checkpoint.globalPosition) &&
    BigInt(checkpoint.transactionId) <= maxXid8 &&
    BigInt(checkpoint.globalPosition) <= maxBigint
  );
}

/**
 * A filtered page of the log in commit order, `(transaction_id, global_position)`, after `after`
 * and below the visibility horizon `pg_snapshot_xmin(pg_current_snapshot())`, like
 * `readEventsAfter`. Every transaction below the horizon has finished, so the rows below it never
 * change; a transaction still running (or not yet started) gets a transaction id at or above it and
 * therefore sorts after any checkpoint this function returns. Paging from `next` to `next` thus
 * returns every committed matching event exactly once, however appends interleave.
 *
 * The horizon is read in a statement of its own before the page: it only grows, and what was below
 * it when read is still below it (and finished) when the page is read. A first page with `since`
 * starts at the smallest transaction id recorded since then (see {@link sinceStartQuery}), so a
 * recent time range costs the same on a log of a thousand events or a hundred million.
 *
 * @throws {TypeError} for an invalid limit or checkpoint.
 * @example
 * let after = startOfLog;
 * const page = await readEventPage(reader, { subject: 'alice@example.com', decision: 'deny' }, after, 100);
 * after = page.next;
 */
export async function readEventPage(
  db: Kysely<ReadonlyDatabase>,
  filter: EventPageFilter,
  after: ReadCheckpoint = startOfLog,
  limit = 100,
): Promise<EventPage> {
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    throw new TypeError('limit must be an integer from 1 to 10000');
  }
  if (!isValidCheckpoint(after)) throw new TypeError('checkpoint positions must be xid8 and bigint decimals');
  const { rows: horizonRows } = await sql<{
    horizon: string;
  }>`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon`.execute(db);
  const horizon = horizonRows[0]!.horizon;

  let start = after;
  if (filter.since !== undefined && after.transactionId === '0') {
    // recorded_at rises with commit order, but not strictly, so a time bound cannot be turned into
    // a position by arithmetic. The smallest transaction id recorded since then, over the same
    // finished rows, can: the page scan starts there instead of walking the log from its start.
    const [bound] = await sinceStartQuery(db, filter.since, horizon).execute();
    if (bound?.start == null) {
      return { events: [], next: laterOf(after, horizonCheckpoint(horizon)), hasMore: false };
    }
    start = laterOf(after, { transactionId: bound.start, globalPosition: '0' });
  }
  const rows = (await eventPageQuery(db, filter, start, horizon, limit).execute()) as AuditEventRow[];

  const events = rows.map(toStoredEvent);
  const last = events.at(-1);
  if (last && events.length === limit) {
    return {
      events,
      next: { transactionId: last.transactionId, globalPosition: last.globalPosition },
      hasMore: true,
    };
  }
  return { events, next: laterOf(start, horizonCheckpoint(horizon)), hasMore: false };
}

/**
 * The first transaction id recorded at or after `since` below `horizon` (null when none): where a
 * first page with a `since` filter starts. Answered from the `(recorded_at, transaction_id)` index.
 */
export function sinceStartQuery(db: Kysely<ReadonlyDatabase>, since: Date, horizon: string) {
  // OFFSET 0 keeps the planner from rewriting min() as "first row in transaction_id order", which
  // would walk the log from its start looking for a recent row (recorded_at correlates with it).
  const range = db
    .selectFrom('audit_events')
    .select('transaction_id')
    .where('recorded_at', '>=', since)
    .where(sql<boolean>`transaction_id < ${horizon}::xid8`)
    .offset(0)
    .as('range');
  return db.selectFrom(range).select(sql<string | null>`min(range.transaction_id)::text`.as('start'));
}

/**
 * The SELECT behind {@link readEventPage}, for a given horizon: exported so that benchmarks and
 * tests can EXPLAIN exactly the statement the audit API runs.
 */
export function eventPageQuery(
  db: Kysely<ReadonlyDatabase>,
  filter: EventPageFilter,
  after: ReadCheckpoint,
  horizon: string,
  limit: number,
) {
  let select = db
    .selectFrom('audit_events')
    .selectAll()
    .where(
      sql<boolean>`(transaction_id, global_position) > (${after.transactionId}::xid8, ${after.globalPosition}::bigint)`,
    )
    .where(sql<boolean>`transaction_id < ${horizon}::xid8`);
  select = whereEventFilter(select, filter);
  return select.orderBy('transaction_id').orderBy('global_position').limit(limit);
}

/** Sorts after every row of a transaction below `horizon` and before every row at or above it. */
function horizonCheckpoint(horizon: string): ReadCheckpoint {
  return { transactionId: horizon, globalPosition: '0' };
}

function laterOf(a: ReadCheckpoint, b: ReadCheckpoint): ReadCheckpoint {
  const [at, bt] = [BigInt(a.transactionId), BigInt(b.transactionId)];
  if (at !== bt) return at > bt ? a : b;
  return BigInt(a.globalPosition) >= BigInt(b.globalPosition) ? a : b;
}
