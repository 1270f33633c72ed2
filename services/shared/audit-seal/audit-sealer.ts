import type { DatabaseHandle } from '../db/index.js';
import type { EventAppender } from '../event-store/index.js';
import {
  anchorObjectName,
  CHECKPOINT_FORMAT_VERSION,
  type CheckpointBody,
  checkpointHash,
  checkpointMessage,
  GENESIS_HASH,
  type LogCursor,
  type SignedCheckpoint,
  START_CURSOR,
  serializeCheckpoint,
} from './checkpoint.js';
import { AnchorConflictError, type CheckpointAnchor, putOnce } from './checkpoint-anchor.js';
import {
  checkpointFromRow,
  insertCheckpoint,
  readCheckpointRowsAfter,
  readLatestCheckpoint,
} from './checkpoint-rows.js';
import type { CheckpointSigner } from './checkpoint-signer.js';
import { eventLeafHash } from './leaf-hash.js';
import { LeafPositionsEncoder } from './leaf-positions.js';
import { readSealableRows } from './log-rows.js';
import { MerkleTreeBuilder } from './merkle-tree.js';
import type { SealerLock } from './sealer-lock.js';

/** The slice of a pino/fastify logger the sealer writes to. */
export interface SealerLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

/** Options of {@link createAuditSealer}. */
export interface AuditSealerOptions {
  /** The application's database (`mcp_app`: INSERT and SELECT on both tables). */
  readonly database: Pick<DatabaseHandle, 'execute'>;
  readonly lock: SealerLock;
  readonly signer: CheckpointSigner;
  readonly anchor: CheckpointAnchor;
  /** Records `audit.checkpoint.sealed` (the event store's `append`); omitted: not recorded. */
  readonly append?: EventAppender['append'] | undefined;
  /** Envelope of the recorded event. */
  readonly service: string;
  readonly instanceId: string;
  /** Pause between rounds. Default 10 000 ms. */
  readonly intervalMs?: number | undefined;
  /** Most rows in one checkpoint; a larger backlog is sealed as several. Default 100 000. */
  readonly maxTreeSize?: number | undefined;
  /** Rows per read. Default 1000. */
  readonly batchSize?: number | undefined;
  /** Deadline of each statement, so a dead connection cannot stall a round. Default 30 000 ms. */
  readonly statementTimeoutMs?: number | undefined;
  readonly log?: SealerLogger | undefined;
  readonly clock?: (() => Date) | undefined;
}

/** What one round did. */
export type SealOutcome =
  | { readonly status: 'standby' }
  | { readonly status: 'idle' }
  /** Checkpoints this sealer anchored are gone from the database: it seals nothing more. */
  | { readonly status: 'refused'; readonly anchoredThrough: number }
  | { readonly status: 'sealed'; readonly checkpoints: readonly SignedCheckpoint[] };

/** The background sealer of one replica. */
export interface AuditSealer {
  /** One round: take the lock, anchor what is not anchored yet, seal what is new. */
  sealOnce(): Promise<SealOutcome>;
  /** Runs a round every `intervalMs` (the first one after one interval) until {@link stop}. */
  start(): void;
  /** Stops the timer, waits for a running round, releases the lock. */
  stop(): Promise<void>;
}

const maxCheckpointsPerRound = 50;
const silentLogger: SealerLogger = { info() {}, warn() {}, error() {} };

/**
 * Creates the sealer (design.md, "Tamper evidence"). Each round, on the replica holding the lock:
 *
 * 1. copies to the anchor every checkpoint it has not anchored yet (write-once, so a retry or a
 *    race with another replica is harmless, and a different object under the same name is logged
 *    as an error: the database and the anchor disagree);
 * 2. reads the rows after the newest checkpoint in catch-up order, `(transaction_id,
 *    global_position)`, below `pg_snapshot_xmin` (see `readSealableRows`), builds their RFC 6962
 *    tree, signs the checkpoint that chains to the previous one and inserts it;
 * 3. anchors it and records `audit.checkpoint.sealed`.
 *
 * A round with nothing new, or only the sealer's own `audit.checkpoint.sealed` events, seals
 * nothing (those events are sealed with the next real ones). A failing round (database, KMS or
 * anchor down) is logged and retried at the next one; rows are never skipped, since the next
 * checkpoint always starts where the previous committed one ended.
 *
 * @example
 * const sealer = createAuditSealer({ database, lock, signer, anchor, append: store.append, service: 'token-service', instanceId });
 * sealer.start();
 * // on shutdown
 * await sealer.stop();
 */
export function createAuditSealer(options: AuditSealerOptions): AuditSealer {
  const intervalMs = options.intervalMs ?? 10_000;
  const maxTreeSize = options.maxTreeSize ?? 100_000;
  const batchSize = options.batchSize ?? 1000;
  const timeoutMs = options.statementTimeoutMs ?? 30_000;
  for (const [name, value] of Object.entries({ intervalMs, maxTreeSize, batchSize, timeoutMs })) {
    if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`${name} must be a positive integer`);
  }
  const { database, lock, signer, anchor } = options;
  const log = options.log ?? silentLogger;
  const clock = options.clock ?? (() => new Date());
  let anchoredThrough: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;

  /** Anchors checkpoints after `anchoredThrough`; false when the anchor failed (retry next round). */
  const anchorPending = async (): Promise<boolean> => {
    if (anchoredThrough === undefined) {
      // A new leader re-checks only the newest: the previous leader anchored the rest.
      const latest = await readLatestCheckpoint(database, timeoutMs);
      anchoredThrough = latest ? latest.sequence - 1 : 0;
    }
    for (;;) {
      const rows = await readCheckpointRowsAfter(database, anchoredThrough, 100, timeoutMs);
      for (const row of rows) {
        const checkpoint = checkpointFromRow(row);
        const name = anchorObjectName(checkpoint.sequence);
        try {
          await putOnce(anchor, name, serializeCheckpoint(checkpoint));
        } catch (error) {
          if (!(error instanceof AnchorConflictError)) {
            log.warn(
              { err: error, sequence: checkpoint.sequence, anchor: anchor.description },
              'audit checkpoint not anchored yet; retrying next round',
            );
            return false;
          }
          // Nothing the sealer can repair; `mcp-audit verify` reports it. Keep anchoring the rest.
          log.error(
            { err: error, sequence: checkpoint.sequence, anchor: anchor.description },
            'audit anchor holds a different checkpoint',
          );
        }
        anchoredThrough = checkpoint.sequence;
      }
      if (rows.length < 100) return true;
    }
  };

  const sealNext = async (previous: SignedCheckpoint | undefined): Promise<SignedCheckpoint | undefined> => {
    const after: LogCursor = previous ? previous.last : START_CURSOR;
    const tree = new MerkleTreeBuilder();
    const positions = new LeafPositionsEncoder();
    let cursor = after;
    let first: string | undefined;
    let onlyOwnEvents = true;
    while (tree.size < maxTreeSize) {
      const limit = Math.min(batchSize, maxTreeSize - tree.size);
      const rows = await readSealableRows(database, cursor, limit, timeoutMs);
      for (const row of rows) {
        tree.push(
          eventLeafHash({
            globalPosition: row.global_position,
            contentHash: row.content_hash,
            recordedAtMicros: row.recorded_at_us,
          }),
        );
        positions.push(row.global_position);
        first ??= row.global_position;
        if (row.event_type !== 'audit.checkpoint.sealed') onlyOwnEvents = false;
        cursor = { transactionId: row.transaction_id, globalPosition: row.global_position };
      }
      if (rows.length < limit) break;
    }
    if (tree.size === 0 || onlyOwnEvents) return undefined;

    const key = await signer.key();
    const body: CheckpointBody = {
      version: CHECKPOINT_FORMAT_VERSION,
      sequence: (previous?.sequence ?? 0) + 1,
      after,
      last: cursor,
      treeSize: tree.size,
      leafPositions: positions.toString(),
      rootHash: tree.root().toString('hex'),
      cumulativeSize: (previous?.cumulativeSize ?? 0) + tree.size,
      previousHash: previous ? checkpointHash(previous) : GENESIS_HASH,
      keyId: key.keyId,
      algorithm: key.algorithm,
      publicKey: key.publicKey,
      createdAt: clock().toISOString(),
    };
    const signature = Buffer.from(await signer.sign(checkpointMessage(body))).toString('base64');
    const checkpoint: SignedCheckpoint = { ...body, signature };
    await insertCheckpoint(database, checkpoint, timeoutMs);
    log.info(
      { sequence: checkpoint.sequence, treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash },
      'audit checkpoint sealed',
    );
    await anchorPending();
    if (options.append) {
      try {
        await options.append({
          type: 'audit.checkpoint.sealed',
          idempotencyKey: `audit.checkpoint.sealed:${checkpoint.sequence}:${checkpoint.rootHash}`,
          service: options.service,
          instanceId: options.instanceId,
          data: {
            sequence: checkpoint.sequence,
            fromPosition: first!,
            toPosition: checkpoint.last.globalPosition,
            treeSize: checkpoint.treeSize,
            rootHash: checkpoint.rootHash,
            keyId: checkpoint.keyId,
            signature,
          },
        });
      } catch (error) {
        // The checkpoint is committed and signed either way; the event is the log's own note of it.
        log.warn({ err: error, sequence: checkpoint.sequence }, 'audit.checkpoint.sealed not recorded');
      }
    }
    return checkpoint;
  };

  const sealOnce = async (): Promise<SealOutcome> => {
    if (!(await lock.tryAcquire())) {
      anchoredThrough = undefined;
      return { status: 'standby' };
    }
    await anchorPending();
    const sealed: SignedCheckpoint[] = [];
    let previous = await readLatestCheckpoint(database, timeoutMs);
    if (anchoredThrough !== undefined && (previous?.sequence ?? 0) < anchoredThrough) {
      // The database lost checkpoints this sealer anchored: sealing again would sign a rewritten
      // history with the real key. Refuse, loudly, until someone looks (`mcp-audit verify`).
      log.error(
        { anchoredThrough, databaseThrough: previous?.sequence ?? 0, anchor: anchor.description },
        'audit checkpoints already anchored are missing from the database; not sealing',
      );
      return { status: 'refused', anchoredThrough };
    }
    for (let i = 0; i < maxCheckpointsPerRound; i++) {
      let next: SignedCheckpoint | undefined;
      try {
        next = await sealNext(previous);
      } catch (error) {
        if ((error as { code?: string }).code !== '23505') throw error;
        // Another sealer inserted this sequence first (only possible while the lock changed hands).
        log.warn({ sequence: (previous?.sequence ?? 0) + 1 }, 'audit checkpoint sealed by another replica');
        anchoredThrough = undefined;
        break;
      }
      if (!next) break;
      sealed.push(next);
      previous = next;
      if (next.treeSize < maxTreeSize) break;
    }
    return sealed.length > 0 ? { status: 'sealed', checkpoints: sealed } : { status: 'idle' };
  };

  const round = () => {
    timer = undefined;
    running = sealOnce()
      .catch((error: unknown) => {
        log.error({ err: error }, 'audit seal round failed; retrying next round');
      })
      .finally(() => {
        running = undefined;
        if (!stopped) schedule();
      });
  };
  const schedule = () => {
    timer = setTimeout(round, intervalMs);
    timer.unref();
  };

  return {
    sealOnce,
    start() {
      if (stopped) throw new Error('the sealer was stopped');
      if (!timer && !running) schedule();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      await running;
      await lock.release();
    },
  };
}
