import type { DatabaseHandle } from '../db/index.js';
import { contentHash, hashedFieldsOf, toStoredEvent } from '../event-store/index.js';
import {
  checkpointHash,
  checkpointShapeProblem,
  GENESIS_HASH,
  type SignedCheckpoint,
  START_CURSOR,
  sequenceOfAnchorObject,
} from './checkpoint.js';
import type { CheckpointAnchor } from './checkpoint-anchor.js';
import { type CheckpointRow, checkpointFromRow, readCheckpointRowsAfter } from './checkpoint-rows.js';
import { KeyTrust } from './key-trust.js';
import { eventLeafHash } from './leaf-hash.js';
import { decodeLeafPositions } from './leaf-positions.js';
import { compareCursors, cursorOf, LogRowReader } from './log-row-reader.js';
import type { VerifiableRow } from './log-rows.js';
import { type Hash, merkleRoot } from './merkle-tree.js';
import type { SignerKey } from './signature-algorithm.js';
import type { VerifyProblem } from './verify-problem.js';

/** Options of {@link verifyAuditLog}. */
export interface VerifyLogOptions {
  /** Any connection that can SELECT both tables (`mcp_reader` is enough). */
  readonly database: Pick<DatabaseHandle, 'execute'>;
  /** The anchor to compare with; absent: not compared (and keys must be pinned). */
  readonly anchor?: CheckpointAnchor | undefined;
  /** Pinned keys (`--public-key`); see {@link KeyTrust}. */
  readonly trustedKeys?: readonly SignerKey[] | undefined;
  /** Rows per read. Default 2000. */
  readonly batchSize?: number | undefined;
  /** Called after each checkpoint and every batch of unsealed rows. */
  readonly onProgress?: ((progress: VerifyProgress) => void) | undefined;
}

/** How far a verification got. */
export interface VerifyProgress {
  /** Rows hash-checked, sealed and unsealed. */
  readonly events: number;
  readonly checkpoints: number;
  /** Rows after the newest checkpoint (hash-checked, not yet sealed). */
  readonly unsealed: number;
}

/** The outcome: `ok`, or the first problem in catch-up order. */
export type VerifyLogResult = VerifyProgress & {
  /** The newest checkpoint the anchor holds (undefined: none, or no anchor). */
  readonly newestAnchored: number | undefined;
  /** Key ids whose signatures were accepted, and why each is trusted. */
  readonly keys: readonly { keyId: string; source: string }[];
} & ({ readonly ok: true } | { readonly ok: false; readonly problem: VerifyProblem });

export interface CheckedRow {
  readonly position: string;
  readonly leaf: Hash | undefined;
  readonly problem: string | undefined;
}

/**
 * Recomputes everything the log claims, in catch-up order, stopping at the first mismatch:
 *
 * - every row's content hash from its fields (`hashedFieldsOf`), sealed or not;
 * - per checkpoint (sequence 1, 2, …): that it continues the previous one (`after`, `previousHash`,
 *   `cumulativeSize`), that its key is trusted and its signature verifies, that the rows in its
 *   range are exactly the sealed positions in order (naming a deleted, inserted or moved row), and
 *   its Merkle root over `(position, content hash, recorded_at)` leaves;
 * - against the anchor: the newest anchored checkpoint exists in the database and is identical, so
 *   removing the newest rows together with their checkpoints is caught.
 *
 * Reads in batches; memory is bounded by one checkpoint's leaves.
 *
 * @example
 * const result = await verifyAuditLog({ database, anchor: createDirectoryAnchor('.data/anchor') });
 * if (!result.ok) console.error(result.problem.message);
 */
export async function verifyAuditLog(options: VerifyLogOptions): Promise<VerifyLogResult> {
  const { database, anchor } = options;
  const batchSize = options.batchSize ?? 2000;
  const trust = new KeyTrust({ pinned: options.trustedKeys, anchor });
  const progress = { events: 0, checkpoints: 0, unsealed: 0 };
  let newestAnchored: number | undefined;
  const result = (problem?: VerifyProblem): VerifyLogResult => ({
    ...progress,
    newestAnchored,
    keys: trust.trustedKeys(),
    ...(problem ? { ok: false as const, problem } : { ok: true as const }),
  });

  const anchored = new Set<number>();
  if (anchor) {
    try {
      for await (const name of anchor.list()) {
        const sequence = sequenceOfAnchorObject(name);
        if (sequence === undefined) continue;
        anchored.add(sequence);
        if (sequence > (newestAnchored ?? 0)) newestAnchored = sequence;
      }
    } catch (error) {
      return result({
        code: 'ANCHOR_UNAVAILABLE',
        message: `cannot list ${anchor.description}: ${(error as Error).message}`,
      });
    }
  }

  const rows = new LogRowReader(database, batchSize, START_CURSOR);
  let previous: SignedCheckpoint | undefined;
  for (;;) {
    const batch = await readCheckpointRowsAfter(database, previous?.sequence ?? 0, 100);
    if (batch.length === 0) break;
    for (const row of batch) {
      const checked = await verifyCheckpoint(row, previous, rows, trust);
      if ('problem' in checked) return result(checked.problem);
      previous = checked.checkpoint;
      progress.checkpoints++;
      progress.events += previous.treeSize;
      // Every checkpoint the anchor holds must be the database's: a stretch of history rewritten and
      // re-sealed (its checkpoint rows replaced) differs from its anchored copies even when the newest
      // one, sealed after the rewrite, matches.
      if (anchored.has(previous.sequence)) {
        const compared = await trust.compareWithAnchor(previous);
        if (compared === 'absent') {
          return result({
            code: 'ANCHOR_UNAVAILABLE',
            checkpoint: previous.sequence,
            message: `${anchor!.description} listed checkpoint ${previous.sequence} but it cannot be read`,
          });
        }
        if (compared) return result(compared);
      }
      options.onProgress?.({ ...progress });
    }
    if (batch.length < 100) break;
  }

  if (newestAnchored !== undefined && newestAnchored > (previous?.sequence ?? 0)) {
    return result({
      code: 'ANCHOR_AHEAD',
      checkpoint: (previous?.sequence ?? 0) + 1,
      position: previous?.last.globalPosition,
      message:
        `${anchor!.description} holds checkpoint ${newestAnchored} but the database ends at ` +
        `${previous ? `checkpoint ${previous.sequence}` : 'no checkpoint'}: the newest rows and checkpoints were removed` +
        (previous ? ` (everything after position ${previous.last.globalPosition} in catch-up order)` : ''),
    });
  }

  for (let row = await rows.peek(); row; row = await rows.peek()) {
    rows.skip();
    const checked = checkRow(row);
    if (checked.problem) {
      return result({
        code: 'CONTENT_HASH_MISMATCH',
        position: checked.position,
        message: `position ${checked.position} (unsealed): ${checked.problem}`,
      });
    }
    progress.events++;
    progress.unsealed++;
    if (progress.unsealed % batchSize === 0) options.onProgress?.({ ...progress });
  }
  return result();
}

async function verifyCheckpoint(
  row: CheckpointRow,
  previous: SignedCheckpoint | undefined,
  rows: LogRowReader,
  trust: KeyTrust,
): Promise<{ checkpoint: SignedCheckpoint } | { problem: VerifyProblem }> {
  const expectedSequence = (previous?.sequence ?? 0) + 1;
  const at = previous?.last.globalPosition;
  let checkpoint: SignedCheckpoint;
  try {
    checkpoint = checkpointFromRow(row);
  } catch (error) {
    return {
      problem: {
        code: 'CHECKPOINT_MALFORMED',
        checkpoint: expectedSequence,
        position: at,
        message: `checkpoint row ${row.sequence}: ${(error as Error).message}`,
      },
    };
  }
  const sequence = checkpoint.sequence;
  const shape = checkpointShapeProblem(checkpoint);
  if (shape) {
    return {
      problem: {
        code: 'CHECKPOINT_MALFORMED',
        checkpoint: sequence,
        position: at,
        message: `checkpoint ${sequence}: ${shape}`,
      },
    };
  }
  const chain = (message: string): { problem: VerifyProblem } => ({
    problem: {
      code: 'CHAIN_BROKEN',
      checkpoint: sequence,
      position: at,
      message: `checkpoint ${sequence}: ${message}`,
    },
  });
  if (sequence !== expectedSequence) {
    return chain(
      `checkpoint ${expectedSequence} is missing (the chain jumps from ${expectedSequence - 1} to ${sequence})`,
    );
  }
  if (compareCursors(checkpoint.after, previous?.last ?? START_CURSOR) !== 0) {
    return chain('does not start where the previous checkpoint ended');
  }
  if (checkpoint.previousHash !== (previous ? checkpointHash(previous) : GENESIS_HASH)) {
    return chain(
      `previousHash does not match checkpoint ${expectedSequence - 1} (a checkpoint was replaced)`,
    );
  }
  if (checkpoint.cumulativeSize !== (previous?.cumulativeSize ?? 0) + checkpoint.treeSize) {
    return chain('cumulativeSize does not add up');
  }
  const keyProblem = await trust.check(checkpoint);
  if (keyProblem) return { problem: keyProblem };

  let expected: string[];
  try {
    expected = [...decodeLeafPositions(checkpoint.leafPositions, checkpoint.treeSize)];
  } catch (error) {
    return {
      problem: {
        code: 'CHECKPOINT_MALFORMED',
        checkpoint: sequence,
        position: at,
        message: `checkpoint ${sequence}: ${(error as Error).message}`,
      },
    };
  }
  if (expected.length !== checkpoint.treeSize) {
    return {
      problem: {
        code: 'CHECKPOINT_MALFORMED',
        checkpoint: sequence,
        position: at,
        message: `checkpoint ${sequence}: leafPositions does not list treeSize positions`,
      },
    };
  }

  const actual: CheckedRow[] = [];
  let lastRow: VerifiableRow | undefined;
  for (
    let next = await rows.peek();
    next && compareCursors(cursorOf(next), checkpoint.last) <= 0;
    next = await rows.peek()
  ) {
    rows.skip();
    actual.push(checkRow(next));
    lastRow = next;
  }
  const rowProblem = compareRows(sequence, expected, actual);
  if (rowProblem) return { problem: rowProblem };
  if (!lastRow || compareCursors(cursorOf(lastRow), checkpoint.last) !== 0) {
    return {
      problem: {
        code: 'ROW_MOVED',
        checkpoint: sequence,
        position: checkpoint.last.globalPosition,
        message: `position ${checkpoint.last.globalPosition}: its transaction_id changed (checkpoint ${sequence} sealed it as the last row of its range)`,
      },
    };
  }
  const root = merkleRoot(actual.map((entry) => entry.leaf!)).toString('hex');
  if (root !== checkpoint.rootHash) {
    return {
      problem: {
        code: 'ROOT_MISMATCH',
        checkpoint: sequence,
        position: expected[0],
        message:
          `checkpoint ${sequence} (positions ${expected[0]} to ${expected.at(-1)} in catch-up order): the Merkle root does not match ` +
          'although every row is in place and matches its content hash: a row was rewritten together with its content hash, or its recorded_at changed',
      },
    };
  }
  return { checkpoint };
}

/** The first row of a checkpoint's range that differs from what it sealed. */
function compareRows(
  sequence: number,
  expected: readonly string[],
  actual: readonly CheckedRow[],
): VerifyProblem | undefined {
  const expectedSet = new Set(expected);
  const actualSet = new Set(actual.map((row) => row.position));
  for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
    const want = expected[i];
    const have = actual[i];
    if (have && want === have.position) {
      if (have.problem)
        return {
          code: 'CONTENT_HASH_MISMATCH',
          checkpoint: sequence,
          position: have.position,
          message: `position ${have.position}: ${have.problem}`,
        };
      continue;
    }
    if (have && !expectedSet.has(have.position)) {
      return {
        code: 'ROW_UNEXPECTED',
        checkpoint: sequence,
        position: have.position,
        message: `position ${have.position}: a row checkpoint ${sequence} never sealed sits inside its range (inserted)`,
      };
    }
    if (want !== undefined && !actualSet.has(want)) {
      return {
        code: 'ROW_MISSING',
        checkpoint: sequence,
        position: want,
        message: `position ${want}: sealed by checkpoint ${sequence} but missing (deleted)`,
      };
    }
    const position = have?.position ?? want!;
    return {
      code: 'ROW_MOVED',
      checkpoint: sequence,
      position,
      message: `position ${position}: out of the order checkpoint ${sequence} sealed (its transaction_id changed)`,
    };
  }
  return undefined;
}

/** Content hash recomputed from the fields, and the leaf. */
export function checkRow(row: VerifiableRow): CheckedRow {
  const position = String(row.global_position);
  try {
    if (contentHash(hashedFieldsOf(toStoredEvent(row))) !== row.content_hash) {
      return {
        position,
        leaf: undefined,
        problem: 'the content hash does not match the row (a field was changed)',
      };
    }
    if (BigInt(row.occurred_at_us) % 1000n !== 0n) {
      return {
        position,
        leaf: undefined,
        problem: 'occurred_at has sub-millisecond digits the application never writes (changed)',
      };
    }
    const leaf = eventLeafHash({
      globalPosition: position,
      contentHash: row.content_hash,
      recordedAtMicros: row.recorded_at_us,
    });
    return { position, leaf, problem: undefined };
  } catch (error) {
    return { position, leaf: undefined, problem: `the row cannot be hashed (${(error as Error).message})` };
  }
}
