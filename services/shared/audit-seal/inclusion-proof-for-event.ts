import type { DatabaseHandle } from '../db/index.js';
import type { SignedCheckpoint } from './checkpoint.js';
import { checkpointFromRow, readCheckpointCovering } from './checkpoint-rows.js';
import { eventLeafHash, leafInput } from './leaf-hash.js';
import { compareCursors, cursorOf } from './log-row-reader.js';
import { findRowCursor, readVerifiableRows } from './log-rows.js';
import { type Hash, inclusionProof, merkleRoot, verifyInclusion } from './merkle-tree.js';
import { checkRow } from './verify-log.js';

/** An RFC 6962 inclusion proof of one event in the checkpoint that sealed it. */
export interface EventInclusionProof {
  readonly eventId: string;
  readonly globalPosition: string;
  readonly transactionId: string;
  /** 0-based index of the event's leaf in the checkpoint's tree. */
  readonly leafIndex: number;
  readonly treeSize: number;
  /** The 66-byte leaf input (hex), so a third party can recompute the leaf hash. */
  readonly leafInput: string;
  readonly leafHash: string;
  /** `PATH(leafIndex, D[treeSize])`, leaf to root, hex (RFC 6962 §2.1.1). */
  readonly auditPath: readonly string[];
  readonly rootHash: string;
  readonly checkpoint: SignedCheckpoint;
}

/** Why no proof could be built. */
export type InclusionProofFailure =
  | { readonly code: 'NOT_FOUND'; readonly message: string }
  | { readonly code: 'UNSEALED'; readonly message: string }
  | { readonly code: 'RANGE_ALTERED'; readonly message: string }
  | { readonly code: 'EVENT_ALTERED'; readonly message: string };

/**
 * Builds the inclusion proof of the event with `eventId` or at `globalPosition`: finds the
 * checkpoint whose range holds it, recomputes that checkpoint's leaves, and checks the path against
 * the checkpoint's root before returning it. (Whether the checkpoint itself is genuine is what the
 * signature and `verifyAuditLog` establish.)
 *
 * @example
 * const result = await proveEventInclusion(database, { globalPosition: '42' });
 * if (result.ok) console.log(result.proof.auditPath);
 */
export async function proveEventInclusion(
  database: Pick<DatabaseHandle, 'execute'>,
  ref: { eventId: string } | { globalPosition: string },
  batchSize = 2000,
): Promise<{ ok: true; proof: EventInclusionProof } | { ok: false; failure: InclusionProofFailure }> {
  const target = await findRowCursor(database, ref);
  if (!target) {
    return {
      ok: false,
      failure: {
        code: 'NOT_FOUND',
        message: `no event ${'eventId' in ref ? ref.eventId : `at position ${ref.globalPosition}`}`,
      },
    };
  }
  const row = await readCheckpointCovering(database, target);
  if (!row) {
    return {
      ok: false,
      failure: {
        code: 'UNSEALED',
        message: `position ${target.globalPosition} is not sealed yet (it comes after the newest checkpoint); try again after the next seal`,
      },
    };
  }
  const checkpoint = checkpointFromRow(row);
  const leaves: Hash[] = [];
  let index = -1;
  let input: Buffer | undefined;
  let cursor = checkpoint.after;
  for (;;) {
    const batch = await readVerifiableRows(database, cursor, batchSize, checkpoint.last);
    for (const entry of batch) {
      const fields = {
        globalPosition: String(entry.global_position),
        contentHash: entry.content_hash,
        recordedAtMicros: entry.recorded_at_us,
      };
      if (compareCursors(cursorOf(entry), target) === 0) {
        // The leaf holds the stored content hash: proving it proves the row only if the row's
        // fields still give that hash.
        const checked = checkRow(entry);
        if (checked.problem !== undefined) {
          return {
            ok: false,
            failure: { code: 'EVENT_ALTERED', message: `event ${target.eventId}: ${checked.problem}` },
          };
        }
        index = leaves.length;
        input = leafInput(fields);
      }
      leaves.push(eventLeafHash(fields));
    }
    const last = batch.at(-1);
    if (!last || batch.length < batchSize) break;
    cursor = cursorOf(last);
  }
  const root = merkleRoot(leaves);
  if (
    index < 0 ||
    !input ||
    root.toString('hex') !== checkpoint.rootHash ||
    leaves.length !== checkpoint.treeSize
  ) {
    return {
      ok: false,
      failure: {
        code: 'RANGE_ALTERED',
        message: `the rows of checkpoint ${checkpoint.sequence} no longer match its root: run mcp-audit verify`,
      },
    };
  }
  const path = inclusionProof(leaves, index);
  const leafHash = leaves[index]!;
  if (!verifyInclusion(leafHash, index, leaves.length, path, root)) {
    throw new Error('internal error: a freshly built inclusion proof does not verify');
  }
  return {
    ok: true,
    proof: {
      eventId: target.eventId,
      globalPosition: target.globalPosition,
      transactionId: target.transactionId,
      leafIndex: index,
      treeSize: leaves.length,
      leafInput: input.toString('hex'),
      leafHash: leafHash.toString('hex'),
      auditPath: path.map((hash) => hash.toString('hex')),
      rootHash: checkpoint.rootHash,
      checkpoint,
    },
  };
}
