import pg from 'pg';
import { type BackendKey, cancelBackend } from './cancel-backend.js';

/** Options of {@link DatabaseHandle.execute}. */
export interface ExecuteOptions {
  /**
   * Give up after this long: the statement is cancelled server-side and its connection discarded,
   * and the call rejects with {@link DatabaseTimeoutError}. Default: no limit.
   */
  readonly timeoutMs?: number | undefined;
  /**
   * Prepare the statement under this name once per connection and reuse it, saving the parse and
   * plan of a hot statement on every call (PostgreSQL only; ignored by PGlite).
   */
  readonly name?: string | undefined;
}

/** A statement did not finish within {@link ExecuteOptions.timeoutMs}. */
export class DatabaseTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`The database did not answer within ${timeoutMs} ms`);
    this.name = 'DatabaseTimeoutError';
  }
}

/** `0A000` "cached plan must not change result type", `26000` "prepared statement does not exist". */
function isStalePreparedStatement(error: pg.DatabaseError): boolean {
  return error.code === '26000' || (error.code === '0A000' && /cached plan/.test(error.message));
}

/**
 * Runs one statement on a pooled connection with an optional deadline: on timeout the statement is
 * cancelled server-side and its connection discarded. A connection whose socket failed, or whose
 * prepared statement went stale, is discarded too; one that answered a SQL error is kept.
 */
export function executeOnPool<R>(
  pool: pg.Pool,
  sql: string,
  params: readonly unknown[],
  { timeoutMs, name }: ExecuteOptions,
): Promise<R[]> {
  const query: pg.QueryConfig = { text: sql, values: params as unknown[], ...(name ? { name } : {}) };
  return new Promise<R[]>((resolve, reject) => {
    let settled = false;
    let client: pg.PoolClient | undefined;
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            settled = true;
            if (client) {
              void cancelBackend(client as unknown as BackendKey);
              // Discard rather than reuse: the connection may still be mid-statement or half-dead.
              client.release(true);
            }
            reject(new DatabaseTimeoutError(timeoutMs));
          }, timeoutMs);
    pool.connect().then(
      (connected) => {
        if (settled) {
          connected.release();
          return;
        }
        client = connected;
        connected.query<R & pg.QueryResultRow>(query).then(
          (result) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            connected.release();
            resolve(result.rows);
          },
          (error: unknown) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            // A SQL error leaves a healthy connection, unless it is about the connection's own
            // prepared statement (a migration changed what it returns, or it is gone): that one fails
            // every time on this connection, so it is dropped and the retry prepares afresh.
            connected.release(
              error instanceof pg.DatabaseError && !isStalePreparedStatement(error) ? undefined : true,
            );
            reject(error);
          },
        );
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
