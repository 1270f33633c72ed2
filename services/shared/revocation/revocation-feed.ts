import type { DatabaseHandle } from '../db/index.js';
import { type RevocableToken, RevocationSet } from './revocation-set.js';

export interface RevocationFeedOptions {
  readonly database: Pick<DatabaseHandle, 'execute' | 'listen'>;
  /** Catch-up poll period: the authoritative path, whatever happens to notifications. Default 1000 ms. */
  readonly pollIntervalMs?: number;
  /** Beyond this since the last successful sync the feed is stale and callers must refuse. Default 5000 ms. */
  readonly maxStalenessMs?: number;
  /** Monotonic milliseconds; injectable for tests. */
  readonly now?: () => number;
  readonly onError?: (error: unknown) => void;
}

interface RevocationRow {
  event_id: string;
  transaction_id: string;
  global_position: string;
  data: { revokedTokenId?: string; revokedSubject?: string; revokedBefore?: string };
  settled: boolean;
}

const pageSize = 1000;

// Every committed token.revoked row after the checkpoint, in catch-up order, with whether it is
// below the snapshot xmin. All are applied at once (applying twice is harmless), so a revocation
// takes effect as soon as it commits even while an old transaction holds xmin back; the checkpoint
// only advances over settled rows, so a transaction that commits late is never skipped.
const readRevocations = `
  SELECT event_id, transaction_id::text AS transaction_id, global_position::text AS global_position, data,
         transaction_id < pg_snapshot_xmin(pg_current_snapshot()) AS settled
    FROM audit_events
   WHERE event_type = 'token.revoked'
     AND (transaction_id, global_position) > ($1::xid8, $2::bigint)
   ORDER BY transaction_id, global_position
   LIMIT ${pageSize}`;

/**
 * Keeps a replica's in-memory {@link RevocationSet} current: woken by LISTEN/NOTIFY on
 * `audit_events` (the log's trigger notifies on `token.revoked`), made authoritative by a catch-up
 * poll, and able to say when it is stale so the server refuses rather than serve a revoked token.
 */
export class RevocationFeed {
  readonly #options: Required<Omit<RevocationFeedOptions, 'onError'>> &
    Pick<RevocationFeedOptions, 'onError'>;
  readonly #set = new RevocationSet();
  #checkpoint = { transactionId: '0', globalPosition: '0' };
  #lastSyncStartedAt = Number.NEGATIVE_INFINITY;
  #running: Promise<void> | undefined;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #unlisten: (() => Promise<void>) | undefined;

  constructor(options: RevocationFeedOptions) {
    this.#options = {
      pollIntervalMs: 1000,
      maxStalenessMs: 5000,
      now: () => performance.now(),
      ...options,
    };
    if (this.#options.maxStalenessMs <= this.#options.pollIntervalMs) {
      throw new TypeError('maxStalenessMs must be greater than pollIntervalMs');
    }
  }

  /** Subscribes, catches up with the whole log, then polls. Rejects if the first catch-up fails. */
  async start(): Promise<void> {
    this.#unlisten = await this.#options.database.listen('audit_events', (payload) => {
      // '' means the listener reconnected: notifications may have been lost, so catch up.
      if (payload === '' || payload === 'token.revoked') void this.sync().catch(() => {});
    });
    await this.sync();
    this.#timer = setInterval(() => void this.sync().catch(() => {}), this.#options.pollIntervalMs);
    this.#timer.unref();
  }

  /** Reads new revocations; concurrent calls coalesce, and a call during a read triggers one more read. */
  sync(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#syncLoop().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  isRevoked(token: RevocableToken): boolean {
    return this.#set.isRevoked(token);
  }

  /** True while the last successful sync is recent enough to trust a "not revoked" answer. */
  fresh(): boolean {
    return this.lagMs() <= this.#options.maxStalenessMs;
  }

  /** Milliseconds since the start of the last successful sync (revocation feed lag). */
  lagMs(): number {
    return this.#options.now() - this.#lastSyncStartedAt;
  }

  /** Revocation events applied so far. */
  get size(): number {
    return this.#set.size;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#unlisten?.().catch(() => {});
    await this.#running?.catch(() => {});
  }

  async #syncLoop(): Promise<void> {
    do {
      this.#again = false;
      const startedAt = this.#options.now();
      try {
        await this.#readAll();
        this.#lastSyncStartedAt = Math.max(this.#lastSyncStartedAt, startedAt);
      } catch (error) {
        this.#options.onError?.(error);
        throw error;
      }
    } while (this.#again);
  }

  async #readAll(): Promise<void> {
    let from = this.#checkpoint;
    for (;;) {
      const rows = await this.#options.database.execute<RevocationRow>(
        readRevocations,
        [from.transactionId, from.globalPosition],
        { timeoutMs: this.#options.maxStalenessMs },
      );
      let settledThrough = true;
      for (const row of rows) {
        const data =
          typeof row.data === 'string' ? (JSON.parse(row.data) as RevocationRow['data']) : row.data;
        this.#set.apply({ eventId: row.event_id, ...data });
        if (settledThrough && row.settled) {
          this.#checkpoint = { transactionId: row.transaction_id, globalPosition: row.global_position };
        } else {
          settledThrough = false;
        }
      }
      const last = rows.at(-1);
      if (rows.length < pageSize || !last) return;
      from = { transactionId: last.transaction_id, globalPosition: last.global_position };
    }
  }
}
