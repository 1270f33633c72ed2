import type { DatabaseHandle } from '../db/index.js';
import type { LogCursor, SignedCheckpoint } from './checkpoint.js';
import { isoFromMicros, microsSql } from './micros.js';
import type { SignatureAlgorithm } from './signature-algorithm.js';

type Execute = Pick<DatabaseHandle, 'execute'>;

/** An `audit_checkpoints` row as selected by {@link checkpointColumns} (bigint and xid8 as text). */
export interface CheckpointRow {
  sequence: string;
  format_version: number;
  after_transaction_id: string;
  after_global_position: string;
  last_transaction_id: string;
  last_global_position: string;
  tree_size: string;
  leaf_positions: string;
  root_hash: string;
  cumulative_size: string;
  previous_hash: string;
  key_id: string;
  algorithm: string;
  public_key: string;
  created_at_us: string;
  signature: string;
}

// Every ORDER BY below is table-qualified: unqualified, it would sort by the `::text` output column.
const checkpointColumns = `
  sequence::text AS sequence, format_version,
  after_transaction_id::text AS after_transaction_id, after_global_position::text AS after_global_position,
  last_transaction_id::text AS last_transaction_id, last_global_position::text AS last_global_position,
  tree_size::text AS tree_size, leaf_positions, root_hash, cumulative_size::text AS cumulative_size,
  previous_hash, key_id, algorithm, public_key, ${microsSql('created_at')} AS created_at_us, signature`;

/**
 * The checkpoint a row holds. Values are taken as stored (a tampered row yields a checkpoint whose
 * signature or chain fails), except numbers beyond 2^53, which cannot be sealed and are refused.
 *
 * @throws {TypeError} for a size or sequence that is not a safe integer.
 */
export function checkpointFromRow(row: CheckpointRow): SignedCheckpoint {
  return {
    version: row.format_version,
    sequence: safeInteger(row.sequence, 'sequence'),
    after: { transactionId: row.after_transaction_id, globalPosition: row.after_global_position },
    last: { transactionId: row.last_transaction_id, globalPosition: row.last_global_position },
    treeSize: safeInteger(row.tree_size, 'tree_size'),
    leafPositions: row.leaf_positions,
    rootHash: row.root_hash,
    cumulativeSize: safeInteger(row.cumulative_size, 'cumulative_size'),
    previousHash: row.previous_hash,
    keyId: row.key_id,
    algorithm: row.algorithm as SignatureAlgorithm,
    publicKey: row.public_key,
    createdAt: isoFromMicros(row.created_at_us),
    signature: row.signature,
  };
}

function safeInteger(text: string, name: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new TypeError(`${name} ${text} is not a safe integer`);
  return value;
}

/** The newest checkpoint, or undefined before the first. */
export async function readLatestCheckpoint(
  database: Execute,
  timeoutMs?: number,
): Promise<SignedCheckpoint | undefined> {
  const [row] = await database.execute<CheckpointRow>(
    `SELECT ${checkpointColumns} FROM audit_checkpoints ORDER BY audit_checkpoints.sequence DESC LIMIT 1`,
    [],
    { timeoutMs },
  );
  return row ? checkpointFromRow(row) : undefined;
}

/** Up to `limit` rows with a sequence above `afterSequence`, in sequence order (raw, for verify). */
export async function readCheckpointRowsAfter(
  database: Execute,
  afterSequence: number,
  limit: number,
  timeoutMs?: number,
): Promise<CheckpointRow[]> {
  return database.execute<CheckpointRow>(
    `SELECT ${checkpointColumns} FROM audit_checkpoints WHERE sequence > $1 ORDER BY audit_checkpoints.sequence LIMIT $2`,
    [afterSequence, limit],
    { timeoutMs },
  );
}

/** The checkpoint whose range holds the row at `cursor` (the first one whose last row is not before it). */
export async function readCheckpointCovering(
  database: Execute,
  cursor: LogCursor,
): Promise<CheckpointRow | undefined> {
  const [row] = await database.execute<CheckpointRow>(
    `SELECT ${checkpointColumns} FROM audit_checkpoints
     WHERE (last_transaction_id, last_global_position) >= ($1::xid8, $2::bigint)
     ORDER BY audit_checkpoints.last_transaction_id, audit_checkpoints.last_global_position LIMIT 1`,
    [cursor.transactionId, cursor.globalPosition],
  );
  return row;
}

/**
 * Inserts a sealed checkpoint (autocommit). The primary key on `sequence` and the unique
 * `previous_hash` make a second sealer that raced this one fail instead of forking the chain.
 */
export async function insertCheckpoint(
  database: Execute,
  checkpoint: SignedCheckpoint,
  timeoutMs?: number,
): Promise<void> {
  await database.execute(
    `INSERT INTO audit_checkpoints (
       sequence, format_version, after_transaction_id, after_global_position, last_transaction_id,
       last_global_position, tree_size, leaf_positions, root_hash, cumulative_size, previous_hash,
       key_id, algorithm, public_key, created_at, signature)
     VALUES ($1, $2, $3::xid8, $4, $5::xid8, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::timestamptz, $16)`,
    [
      checkpoint.sequence,
      checkpoint.version,
      checkpoint.after.transactionId,
      checkpoint.after.globalPosition,
      checkpoint.last.transactionId,
      checkpoint.last.globalPosition,
      checkpoint.treeSize,
      checkpoint.leafPositions,
      checkpoint.rootHash,
      checkpoint.cumulativeSize,
      checkpoint.previousHash,
      checkpoint.keyId,
      checkpoint.algorithm,
      checkpoint.publicKey,
      checkpoint.createdAt,
      checkpoint.signature,
    ],
    { timeoutMs },
  );
}
