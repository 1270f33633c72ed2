import { type Hash, hashLeaf } from './merkle-tree.js';

/** What one leaf binds: the row's place in the log, its content hash and the database clock. */
export interface LeafFields {
  /** `global_position`, decimal. */
  readonly globalPosition: string;
  /** `content_hash`, 64 lower-case hex digits. */
  readonly contentHash: string;
  /** `recorded_at` in whole microseconds since 1970-01-01T00:00:00Z, decimal (PostgreSQL's resolution). */
  readonly recordedAtMicros: string;
}

/** Domain separation: a leaf input can never be mistaken for any other hashed structure of this log. */
const leafTag = Buffer.from('mcp-audit-event-v1', 'ascii');
const hexHash = /^[0-9a-f]{64}$/;
const decimal = /^-?\d+$/;

/**
 * The fixed-length leaf input (66 bytes): the ASCII tag `mcp-audit-event-v1`, `global_position` as
 * an unsigned 64-bit big-endian integer, the 32 raw bytes of `content_hash`, and `recorded_at` as a
 * signed 64-bit big-endian count of microseconds since the Unix epoch. Every field has a fixed
 * width, so no two different rows share an encoding.
 *
 * @throws {TypeError} for a value outside those ranges or a malformed content hash.
 */
export function leafInput(fields: LeafFields): Buffer {
  if (!/^\d+$/.test(fields.globalPosition)) throw new TypeError('globalPosition must be a decimal integer');
  if (!hexHash.test(fields.contentHash)) throw new TypeError('contentHash must be 64 lower-case hex digits');
  if (!decimal.test(fields.recordedAtMicros))
    throw new TypeError('recordedAtMicros must be a decimal integer');
  const out = Buffer.alloc(leafTag.length + 8 + 32 + 8);
  let offset = leafTag.copy(out, 0);
  offset = out.writeBigUInt64BE(BigInt(fields.globalPosition), offset);
  offset += Buffer.from(fields.contentHash, 'hex').copy(out, offset);
  out.writeBigInt64BE(BigInt(fields.recordedAtMicros), offset);
  return out;
}

/**
 * The Merkle leaf hash of one `audit_events` row: `SHA-256(0x00 || leafInput(row))` (RFC 6962 §2.1).
 *
 * @example
 * eventLeafHash({ globalPosition: '42', contentHash: row.content_hash, recordedAtMicros: '1718000000123456' });
 */
export function eventLeafHash(fields: LeafFields): Hash {
  return hashLeaf(leafInput(fields));
}
