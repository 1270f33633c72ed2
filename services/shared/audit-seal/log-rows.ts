import type { DatabaseHandle } from '../db/index.js';
import type { AuditEventRow } from '../event-store/stored-event.js';
import type { LogCursor } from './checkpoint.js';
import { microsSql } from './micros.js';

type Execute = Pick<DatabaseHandle, 'execute'>;

/** What the sealer reads of a row: just what its leaf binds, plus the type. */
export interface SealableRow {
  global_position: string;
  transaction_id: string;
  event_type: string;
  content_hash: string;
  recorded_at_us: string;
}

// ORDER BY names are qualified throughout: an unqualified name would sort by the `::text` output
// column of the same name, i.e. as text ('10' before '9').

/**
 * The next rows after `cursor` in catch-up order, `(transaction_id, global_position)`, only from
 * transactions older than every one still running (`pg_snapshot_xmin`): a transaction that took
 * its positions early but commits late is sealed after the ones before it in that order, never
 * skipped, and never sealed twice (design.md; the same rule as `readEventsAfter`).
 */
export async function readSealableRows(
  database: Execute,
  cursor: LogCursor,
  limit: number,
  timeoutMs?: number,
): Promise<SealableRow[]> {
  return database.execute<SealableRow>(
    `SELECT global_position::text AS global_position, transaction_id::text AS transaction_id, event_type,
            content_hash, ${microsSql('recorded_at')} AS recorded_at_us
     FROM audit_events
     WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
       AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
     ORDER BY audit_events.transaction_id, audit_events.global_position
     LIMIT $3`,
    [cursor.transactionId, cursor.globalPosition, limit],
    { timeoutMs },
  );
}

/** A whole row, as a verifier reads it, with both timestamps at full precision. */
export type VerifiableRow = AuditEventRow & { recorded_at_us: string; occurred_at_us: string };

/**
 * The next committed rows after `cursor` in catch-up order, optionally up to `through` (inclusive),
 * whatever transactions are still running: a verifier checks what is there, and rows of running
 * transactions can only come after every sealed range.
 */
export async function readVerifiableRows(
  database: Execute,
  cursor: LogCursor,
  limit: number,
  through?: LogCursor,
): Promise<VerifiableRow[]> {
  const bound = through ? 'AND (transaction_id, global_position) <= ($4::xid8, $5::bigint)' : '';
  return database.execute<VerifiableRow>(
    `SELECT *, ${microsSql('recorded_at')} AS recorded_at_us, ${microsSql('occurred_at')} AS occurred_at_us
     FROM audit_events
     WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint) ${bound}
     ORDER BY audit_events.transaction_id, audit_events.global_position
     LIMIT $3`,
    through
      ? [cursor.transactionId, cursor.globalPosition, limit, through.transactionId, through.globalPosition]
      : [cursor.transactionId, cursor.globalPosition, limit],
  );
}

/** The catch-up cursor of a row found by event id or position, or undefined. */
export async function findRowCursor(
  database: Execute,
  ref: { eventId: string } | { globalPosition: string },
): Promise<(LogCursor & { eventId: string }) | undefined> {
  const [row] = await database.execute<{ transaction_id: string; global_position: string; event_id: string }>(
    'eventId' in ref
      ? `SELECT transaction_id::text AS transaction_id, global_position::text AS global_position, event_id::text AS event_id
         FROM audit_events WHERE event_id = $1::uuid`
      : `SELECT transaction_id::text AS transaction_id, global_position::text AS global_position, event_id::text AS event_id
         FROM audit_events WHERE global_position = $1::bigint`,
    ['eventId' in ref ? ref.eventId : ref.globalPosition],
  );
  return row
    ? { transactionId: row.transaction_id, globalPosition: row.global_position, eventId: row.event_id }
    : undefined;
}
