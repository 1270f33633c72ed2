import pg from 'pg';

/** Who may seal: one holder at a time across every replica. */
export interface SealerLock {
  /** True when this process holds (or just took) the lock; false when another one holds it. */
  tryAcquire(): Promise<boolean>;
  /** Lets go of the lock and any connection it holds. */
  release(): Promise<void>;
}

/** Advisory lock key of the sealer; every replica uses the same (the migrator uses 7_310_424_001). */
export const SEALER_LOCK_KEY = 7_310_424_003;

/**
 * The sealer lock on PostgreSQL: a session-level `pg_try_advisory_lock` held on a dedicated
 * connection for as long as this replica is the sealer. If that connection dies, PostgreSQL releases
 * the lock and another replica can take over; this one notices on its next `tryAcquire` (a `SELECT 1`
 * on the held connection) and competes again. The lock is an optimisation: the checkpoint table's
 * keys still refuse a second checkpoint with the same sequence, should two sealers ever overlap.
 *
 * @example
 * const lock = postgresSealerLock(process.env.DATABASE_URL);
 * if (await lock.tryAcquire()) await sealer.sealOnce();
 */
export function postgresSealerLock(
  url: string,
  options: { key?: number; timeoutMs?: number } = {},
): SealerLock {
  const key = options.key ?? SEALER_LOCK_KEY;
  const timeoutMs = options.timeoutMs ?? 10_000;
  let client: pg.Client | undefined;
  let held = false;

  const drop = async () => {
    const current = client;
    client = undefined;
    held = false;
    await current?.end().catch(() => {});
  };

  return {
    async tryAcquire() {
      if (client && held) {
        try {
          await client.query('SELECT 1');
          return true;
        } catch {
          await drop();
        }
      }
      try {
        if (!client) {
          const next = new pg.Client({
            connectionString: url,
            connectionTimeoutMillis: timeoutMs,
            query_timeout: timeoutMs,
          });
          next.on('error', () => {
            if (client === next) {
              client = undefined;
              held = false;
            }
            void next.end().catch(() => {});
          });
          await next.connect();
          client = next;
        }
        const { rows } = await client.query<{ locked: boolean }>(
          'SELECT pg_try_advisory_lock($1) AS locked',
          [key],
        );
        held = rows[0]?.locked === true;
        return held;
      } catch (error) {
        await drop();
        throw error;
      }
    },
    async release() {
      if (client && held) await client.query('SELECT pg_advisory_unlock($1)', [key]).catch(() => {});
      await drop();
    },
  };
}

/**
 * The lock for the embedded database: PGlite is opened by one process at a time (its pid lock), so
 * that process is the only possible sealer.
 */
export function processLocalSealerLock(): SealerLock {
  return { tryAcquire: async () => true, release: async () => {} };
}
