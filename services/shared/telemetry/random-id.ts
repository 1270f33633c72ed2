import { randomFillSync } from 'node:crypto';

const pool = Buffer.alloc(4096);
let offset = pool.length;

/**
 * `bytes` random bytes (at most 64) from the CSPRNG as lower-case hex: a trace id (16) or a span id
 * (8). Drawn from a pool refilled 4 KiB at a time, so a request does not pay a `randomBytes` call
 * (and a fresh buffer) per id.
 *
 * @example
 * randomHex(8); // '00f067aa0ba902b7'
 */
export function randomHex(bytes: number): string {
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > 64) throw new RangeError('bytes must be 1 to 64');
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return hex;
}
