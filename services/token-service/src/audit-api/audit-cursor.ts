import { isValidCheckpoint, type ReadCheckpoint } from '../../../shared/event-store/index.js';

const prefix = 'v1.';

/**
 * Encodes a read position as the API's opaque cursor: base64url of `v1.<transaction_id>.<global_position>`.
 * Clients must not build or interpret cursors; the version prefix lets the format change later.
 *
 * @example
 * encodeCursor({ transactionId: '812', globalPosition: '40211' }); // 'djEuODEyLjQwMjEx'
 */
export function encodeCursor(checkpoint: ReadCheckpoint): string {
  return Buffer.from(`${prefix}${checkpoint.transactionId}.${checkpoint.globalPosition}`).toString(
    'base64url',
  );
}

/** Decodes a cursor from {@link encodeCursor}; undefined when it is not one. */
export function decodeCursor(cursor: string): ReadCheckpoint | undefined {
  if (cursor.length > 64 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^v1\.(\d{1,20})\.(\d{1,20})$/.exec(text);
  if (!match) return undefined;
  const checkpoint = { transactionId: match[1]!, globalPosition: match[2]! };
  return isValidCheckpoint(checkpoint) ? checkpoint : undefined;
}
