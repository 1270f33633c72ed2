/** Why a verification failed; stable, for scripts and tests. */
export type VerifyProblemCode =
  /** A row's fields no longer hash to its content hash (or cannot be hashed). */
  | 'CONTENT_HASH_MISMATCH'
  /** A position a checkpoint sealed is gone. */
  | 'ROW_MISSING'
  /** A row sits inside a sealed range that its checkpoint never sealed. */
  | 'ROW_UNEXPECTED'
  /** A sealed row moved within catch-up order (its transaction_id changed). */
  | 'ROW_MOVED'
  /** Positions and content hashes match but the Merkle root does not (re-hashed edit, recorded_at). */
  | 'ROOT_MISMATCH'
  /** A checkpoint row is malformed or its key id does not match its key. */
  | 'CHECKPOINT_MALFORMED'
  /** Sequence gap, or `after` / `previousHash` / `cumulativeSize` do not continue the previous one. */
  | 'CHAIN_BROKEN'
  | 'SIGNATURE_INVALID'
  /** Signed by a key that neither `--public-key` nor the anchor vouches for. */
  | 'KEY_UNTRUSTED'
  /** The anchor holds a different copy of a checkpoint. */
  | 'ANCHOR_MISMATCH'
  /** The anchor holds checkpoints the database does not: the newest rows were removed. */
  | 'ANCHOR_AHEAD'
  | 'ANCHOR_UNAVAILABLE';

/** The first thing that does not verify, in catch-up order. */
export interface VerifyProblem {
  readonly code: VerifyProblemCode;
  readonly message: string;
  /** The `global_position` that does not match, when one can be named. */
  readonly position?: string | undefined;
  /** The checkpoint concerned, when there is one. */
  readonly checkpoint?: number | undefined;
}
