import { createHash } from 'node:crypto';
import { canonicalJson } from '../event-store/index.js';
import { type SignatureAlgorithm, signatureAlgorithms } from './signature-algorithm.js';

/** The format this code writes and verifies. */
export const CHECKPOINT_FORMAT_VERSION = 1;

/** `previousHash` of the first checkpoint. */
export const GENESIS_HASH = '0'.repeat(64);

/** A place in catch-up order: `(transaction_id, global_position)`, both decimal. */
export interface LogCursor {
  readonly transactionId: string;
  readonly globalPosition: string;
}

/** Before every row. */
export const START_CURSOR: LogCursor = Object.freeze({ transactionId: '0', globalPosition: '0' });

/**
 * What a checkpoint signs. It seals the rows after `after` up to and including `last`, in
 * `(transaction_id, global_position)` order, as an RFC 6962 tree of `treeSize` leaves.
 */
export interface CheckpointBody {
  readonly version: number;
  /** 1, 2, 3, … without gaps. */
  readonly sequence: number;
  /** Exclusive: the previous checkpoint's `last` ({@link START_CURSOR} for the first). */
  readonly after: LogCursor;
  /** Inclusive: the last sealed row. */
  readonly last: LogCursor;
  readonly treeSize: number;
  /** The sealed positions in leaf order (see `leaf-positions.ts`). */
  readonly leafPositions: string;
  /** Merkle tree hash, hex. */
  readonly rootHash: string;
  /** Rows sealed by this and every earlier checkpoint. */
  readonly cumulativeSize: number;
  /** {@link checkpointHash} of the previous checkpoint, or {@link GENESIS_HASH}. */
  readonly previousHash: string;
  readonly keyId: string;
  readonly algorithm: SignatureAlgorithm;
  /** DER SPKI, base64. */
  readonly publicKey: string;
  /** ISO 8601 with milliseconds (sealer clock). */
  readonly createdAt: string;
}

/** A checkpoint and its signature: what the table holds and what the anchor stores. */
export interface SignedCheckpoint extends CheckpointBody {
  /** Signature over {@link checkpointMessage}, base64. */
  readonly signature: string;
}

const messageTag = Buffer.from('mcp-audit-checkpoint-v1\u0000', 'ascii');

function bodyOf(checkpoint: CheckpointBody): CheckpointBody {
  return {
    version: checkpoint.version,
    sequence: checkpoint.sequence,
    after: { transactionId: checkpoint.after.transactionId, globalPosition: checkpoint.after.globalPosition },
    last: { transactionId: checkpoint.last.transactionId, globalPosition: checkpoint.last.globalPosition },
    treeSize: checkpoint.treeSize,
    leafPositions: checkpoint.leafPositions,
    rootHash: checkpoint.rootHash,
    cumulativeSize: checkpoint.cumulativeSize,
    previousHash: checkpoint.previousHash,
    keyId: checkpoint.keyId,
    algorithm: checkpoint.algorithm,
    publicKey: checkpoint.publicKey,
    createdAt: checkpoint.createdAt,
  };
}

/**
 * The 32 bytes a checkpoint signature covers: SHA-256 of the tag `mcp-audit-checkpoint-v1`, a NUL,
 * and the canonical JSON (sorted keys, no whitespace) of the body. Signing a fixed-size digest keeps
 * the KMS request small whatever the size of `leafPositions`.
 */
export function checkpointMessage(body: CheckpointBody): Buffer {
  return createHash('sha256')
    .update(messageTag)
    .update(canonicalJson(bodyOf(body)), 'utf8')
    .digest();
}

/** The anchored form: canonical JSON of body and signature, one line. */
export function serializeCheckpoint(checkpoint: SignedCheckpoint): string {
  return `${canonicalJson({ ...bodyOf(checkpoint), signature: checkpoint.signature })}\n`;
}

/** What the next checkpoint's `previousHash` holds: SHA-256 (hex) of {@link serializeCheckpoint}. */
export function checkpointHash(checkpoint: SignedCheckpoint): string {
  return createHash('sha256').update(serializeCheckpoint(checkpoint), 'utf8').digest('hex');
}

/** The anchor object name of a checkpoint; zero-padded so names sort in sequence order. */
export function anchorObjectName(sequence: number): string {
  return `checkpoint-${String(sequence).padStart(12, '0')}.json`;
}

/** The sequence an anchor object name stands for, or undefined for a foreign name. */
export function sequenceOfAnchorObject(name: string): number | undefined {
  const match = /^checkpoint-(\d{12})\.json$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

const hex64 = /^[0-9a-f]{64}$/;
const decimal = /^\d+$/;

/**
 * Checks that a value is a well-formed signed checkpoint of this format (not that it verifies).
 *
 * @returns the problem, or undefined when well-formed.
 */
export function checkpointShapeProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const c = value as Record<string, unknown>;
  const cursorOk = (cursor: unknown) =>
    typeof cursor === 'object' &&
    cursor !== null &&
    decimal.test(String((cursor as Record<string, unknown>).transactionId)) &&
    decimal.test(String((cursor as Record<string, unknown>).globalPosition));
  const positive = (n: unknown) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 1;
  if (c.version !== CHECKPOINT_FORMAT_VERSION) return `unknown format version ${String(c.version)}`;
  if (!positive(c.sequence)) return 'sequence must be a positive integer';
  if (!cursorOk(c.after) || !cursorOk(c.last)) return 'after and last must be log cursors';
  if (!positive(c.treeSize) || !positive(c.cumulativeSize)) return 'sizes must be positive integers';
  if (typeof c.leafPositions !== 'string') return 'leafPositions must be a string';
  if (typeof c.rootHash !== 'string' || !hex64.test(c.rootHash)) return 'rootHash must be 64 hex digits';
  if (typeof c.previousHash !== 'string' || !hex64.test(c.previousHash)) {
    return 'previousHash must be 64 hex digits';
  }
  if (typeof c.keyId !== 'string' || !hex64.test(c.keyId)) return 'keyId must be 64 hex digits';
  if (!signatureAlgorithms.includes(c.algorithm as SignatureAlgorithm)) return 'unknown signature algorithm';
  if (typeof c.publicKey !== 'string' || typeof c.signature !== 'string') {
    return 'publicKey and signature must be base64 strings';
  }
  if (typeof c.createdAt !== 'string' || Number.isNaN(Date.parse(c.createdAt))) {
    return 'createdAt must be a timestamp';
  }
  return undefined;
}

/**
 * Parses an anchored checkpoint.
 *
 * @throws {TypeError} naming what is malformed.
 */
export function parseCheckpoint(text: string): SignedCheckpoint {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TypeError('checkpoint is not JSON');
  }
  const problem = checkpointShapeProblem(value);
  if (problem) throw new TypeError(`malformed checkpoint: ${problem}`);
  return value as SignedCheckpoint;
}
