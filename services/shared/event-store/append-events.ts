import type { DatabaseHandle } from '../db/index.js';
import type { AppendReceipt } from './api.js';
import { appendColumns, type PreparedEvent } from './prepare-event.js';

/**
 * One statement for the whole batch: each column travels as one array parameter (the cells of
 * `prepare-event.ts`) and `unnest` zips them back into rows, which PostgreSQL parses several times
 * faster than one JSON object per row. ON CONFLICT DO NOTHING without a target covers both
 * `idempotency_key` and `event_id`, so a retried batch inserts only what is missing and never fails
 * on what already landed.
 */
const insertSql = `
INSERT INTO audit_events (${appendColumns.map(([column]) => column).join(', ')})
SELECT ${appendColumns.map(([column, type]) => (type === 'text[]' ? `${column}::text[]` : column)).join(', ')}
FROM unnest(${appendColumns.map(([, type], i) => `$${i + 1}::${type === 'text[]' ? 'text' : type}[]`).join(', ')})
  AS e(${appendColumns.map(([column]) => column).join(', ')})
ON CONFLICT DO NOTHING
RETURNING idempotency_key, event_id, global_position`;

const existingSql = `
SELECT idempotency_key, event_id, global_position FROM audit_events
WHERE idempotency_key = ANY($1::text[]) OR event_id = ANY($2::uuid[])`;

interface ReceiptRow {
  idempotency_key: string;
  event_id: string;
  global_position: string | number;
}

/**
 * Appends a batch in one INSERT (autocommit: resolved means committed) and returns one receipt per
 * input event, in input order. Events whose idempotency key is already in the log are not inserted
 * again; their receipt names the row already there (so a retried batch reports the same positions).
 * A receipt is `undefined` when the event id is already used by a row with a *different* idempotency
 * key: that event was not recorded.
 *
 * @param timeoutMs overall budget; see `DatabaseHandle.execute`.
 */
export async function appendEvents(
  database: Pick<DatabaseHandle, 'execute'>,
  events: readonly PreparedEvent[],
  timeoutMs?: number,
): Promise<(AppendReceipt | undefined)[]> {
  if (events.length === 0) return [];
  const started = performance.now();
  const inserted = await database.execute<ReceiptRow>(
    insertSql,
    columnArrays(events),
    // Named: parsed and planned once per connection, not on every flush.
    { timeoutMs, name: 'audit_events_append' },
  );
  const byKey = new Map<string, AppendReceipt>();
  for (const row of inserted) byKey.set(row.idempotency_key, toReceipt(row));
  if (byKey.size === events.length) return events.map((event) => byKey.get(event.idempotencyKey));

  const missing = events.filter((event) => !byKey.has(event.idempotencyKey));
  if (missing.length > 0) {
    const remaining =
      timeoutMs === undefined ? undefined : Math.max(1, timeoutMs - (performance.now() - started));
    const existing = await database.execute<ReceiptRow>(
      existingSql,
      [missing.map((event) => event.idempotencyKey), missing.map((event) => event.eventId)],
      { timeoutMs: remaining },
    );
    for (const row of existing)
      if (!byKey.has(row.idempotency_key)) byKey.set(row.idempotency_key, toReceipt(row));
  }
  return events.map((event) => byKey.get(event.idempotencyKey));
}

/** One array literal per column of {@link appendColumns}, its elements the events' cells. */
function columnArrays(events: readonly PreparedEvent[]): string[] {
  // join writes one flat string; `+=` would build a rope the driver then flattens to encode it.
  const cells = new Array<string>(events.length);
  return appendColumns.map((_, column) => {
    for (let i = 0; i < events.length; i++) cells[i] = events[i]!.cells[column]!;
    return `{${cells.join(',')}}`;
  });
}

function toReceipt(row: ReceiptRow): AppendReceipt {
  return { eventId: row.event_id, globalPosition: String(row.global_position) };
}
