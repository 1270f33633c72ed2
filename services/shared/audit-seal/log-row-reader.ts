import type { DatabaseHandle } from '../db/index.js';
import type { LogCursor } from './checkpoint.js';
import { readVerifiableRows, type VerifiableRow } from './log-rows.js';

/** Orders two catch-up cursors: negative, zero or positive. */
export function compareCursors(a: LogCursor, b: LogCursor): number {
  const tx = BigInt(a.transactionId) - BigInt(b.transactionId);
  if (tx !== 0n) return tx < 0n ? -1 : 1;
  const position = BigInt(a.globalPosition) - BigInt(b.globalPosition);
  return position === 0n ? 0 : position < 0n ? -1 : 1;
}

/** The cursor of a row. */
export function cursorOf(row: VerifiableRow): LogCursor {
  return { transactionId: String(row.transaction_id), globalPosition: String(row.global_position) };
}

/**
 * Streams the whole log in catch-up order, one batch in memory at a time (keyset pagination on the
 * `(transaction_id, global_position)` index), so millions of rows verify in constant memory.
 */
export class LogRowReader {
  readonly #database: Pick<DatabaseHandle, 'execute'>;
  readonly #batchSize: number;
  #buffer: VerifiableRow[] = [];
  #index = 0;
  #cursor: LogCursor;
  #exhausted = false;

  constructor(database: Pick<DatabaseHandle, 'execute'>, batchSize: number, start: LogCursor) {
    this.#database = database;
    this.#batchSize = batchSize;
    this.#cursor = start;
  }

  /** The next row without consuming it, or undefined at the end of the log. */
  async peek(): Promise<VerifiableRow | undefined> {
    if (this.#index >= this.#buffer.length && !this.#exhausted) {
      this.#buffer = await readVerifiableRows(this.#database, this.#cursor, this.#batchSize);
      this.#index = 0;
      const last = this.#buffer.at(-1);
      if (last) this.#cursor = cursorOf(last);
      if (this.#buffer.length < this.#batchSize) this.#exhausted = true;
    }
    return this.#buffer[this.#index];
  }

  /** Consumes the row {@link peek} returned. */
  skip(): void {
    this.#index++;
  }
}
