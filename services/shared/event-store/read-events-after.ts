import { type Kysely, sql } from 'kysely';
import type { ReadonlyDatabase } from '../db/index.js';
import type { ReadCheckpoint, StoredEvent } from './api.js';
import { type AuditEventRow, toStoredEvent } from './stored-event.js';

/** Where a reader starts: before every event. */
export const startOfLog: ReadCheckpoint = { transactionId: '0', globalPosition: '0' };

/** A page of the log and the checkpoint to resume from. */
export interface ReadAfterResult {
  readonly events: readonly StoredEvent[];
  /** The last event's position, or the given checkpoint when nothing new was visible. */
  readonly checkpoint: ReadCheckpoint;
}

/**
 * Catch-up read: the next `limit` events after `checkpoint` in `(transaction_id, global_position)`
 * order, limited to transactions older than the oldest one still running
 * (`pg_snapshot_xmin(pg_current_snapshot())`). A transaction that took its positions earlier but
 * commits later than another therefore becomes visible *before* the reader passes it, so nothing is
 * ever skipped; a reader comparing `global_position > last` alone would lose such rows (the emmett
 * approach, design.md).
 *
 * @example
 * let checkpoint = startOfLog;
 * const page = await readEventsAfter(reader, checkpoint, 500);
 * checkpoint = page.checkpoint;
 */
export async function readEventsAfter(
  db: Kysely<ReadonlyDatabase>,
  checkpoint: ReadCheckpoint = startOfLog,
  limit = 500,
): Promise<ReadAfterResult> {
  if (!Number.isInteger(limit) || limit < 1) throw new TypeError('limit must be a positive integer');
  if (!/^\d+$/.test(checkpoint.transactionId) || !/^\d+$/.test(checkpoint.globalPosition)) {
    throw new TypeError('checkpoint positions must be decimal strings');
  }
  const rows = (await db
    .selectFrom('audit_events')
    .selectAll()
    .where(
      sql<boolean>`(transaction_id, global_position) > (${checkpoint.transactionId}::xid8, ${checkpoint.globalPosition}::bigint)`,
    )
    .where(sql<boolean>`transaction_id < pg_snapshot_xmin(pg_current_snapshot())`)
    .orderBy('transaction_id')
    .orderBy('global_position')
    .limit(limit)
    .execute()) as AuditEventRow[];
  const events = rows.map(toStoredEvent);
  const last = events.at(-1);
  return {
    events,
    checkpoint: last
      ? { transactionId: last.transactionId, globalPosition: last.globalPosition }
      : checkpoint,
  };
}
