import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';
import { DatabaseTimeoutError, type ExecuteOptions, executeOnPool } from './execute-on-pool.js';
import { applyMigrations, type MigrationReport, type MigrationSession } from './migrate.js';
import { Mutex } from './mutex.js';
import { PGliteDialect } from './pglite-dialect.js';
import { acquirePidLock } from './pid-lock.js';

/** Options of {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /** A PostgreSQL URL; when absent, the embedded PGlite database under `dataDir` is used. */
  readonly url?: string | undefined;
  /** Root of local state; PGlite keeps its files in `${dataDir}/pglite`. */
  readonly dataDir: string;
  /**
   * The role every connection switches to (`-c role=…` at connect on PostgreSQL, `SET ROLE` on
   * PGlite), so even an owner URL can only INSERT and SELECT audit rows. `null` keeps the login role
   * (migrations, tests acting as owner). Default `mcp_app`.
   */
  readonly appRole?: string | null | undefined;
  /** PostgreSQL pool size. Default 16. */
  readonly poolSize?: number | undefined;
  /** Apply pending migrations (as the login role) before switching role. Default false. */
  readonly migrate?: boolean | undefined;
  /** Where migrations are read from when `migrate` is set. Default `migrations/`. */
  readonly migrationsDir?: string | undefined;
}

/** An open database, PostgreSQL or embedded. */
export interface DatabaseHandle {
  readonly kind: 'postgres' | 'pglite';
  /** Typed query builder; audit columns cannot be updated at the type level. */
  readonly db: Kysely<Database>;
  /** Migrations applied while opening (`migrate: true`), else undefined. */
  readonly migrations: MigrationReport | undefined;
  /** Runs one parameterised statement outside kysely, with an optional deadline. */
  execute<R>(sql: string, params?: readonly unknown[], options?: ExecuteOptions): Promise<R[]>;
  /**
   * Calls `onNotify` for each NOTIFY on `channel`. On PostgreSQL a dedicated connection listens and
   * reconnects by itself; after a reconnect `onNotify('')` is called once, since notifications sent
   * while disconnected are lost and the consumer should catch up from the log.
   *
   * @returns a function that stops listening.
   */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

const identifierPattern = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Opens PostgreSQL (`url`) or the embedded PGlite database under `dataDir`.
 *
 * @throws {TypeError} for an invalid role name or pool size.
 * @throws {DatabaseLockedError} when another live process holds the embedded database.
 * @example
 * const handle = await openDatabase({ url: process.env.DATABASE_URL, dataDir: '.data' });
 * const rows = await handle.db.selectFrom('audit_events').selectAll().limit(10).execute();
 * await handle.close();
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  const appRole = options.appRole === undefined ? 'mcp_app' : options.appRole;
  if (appRole !== null && !identifierPattern.test(appRole)) {
    throw new TypeError(`appRole must be a lower-case SQL identifier, got ${JSON.stringify(appRole)}`);
  }
  const poolSize = options.poolSize ?? 16;
  if (!Number.isInteger(poolSize) || poolSize < 1) throw new TypeError('poolSize must be a positive integer');
  return options.url
    ? openPostgres(options.url, appRole, poolSize, options)
    : openPGlite(options.dataDir, appRole, options);
}

async function openPostgres(
  url: string,
  appRole: string | null,
  poolSize: number,
  options: OpenDatabaseOptions,
): Promise<DatabaseHandle> {
  let migrations: MigrationReport | undefined;
  if (options.migrate) {
    const owner = new pg.Client({ connectionString: url });
    await owner.connect();
    try {
      migrations = await applyMigrations(pgClientSession(owner), { dir: options.migrationsDir });
    } finally {
      await owner.end();
    }
  }

  const connectionString = appRole === null ? url : withRole(url, appRole);
  const pool = new pg.Pool({ connectionString, max: poolSize, idleTimeoutMillis: 30_000 });
  // An idle client whose server went away emits here; without a listener that crashes the process.
  // The pool drops the client, and the next checkout reconnects (or fails and is retried by callers).
  pool.on('error', () => {});
  // A checked-out client whose socket dies emits 'error' too (after its query already rejected, or
  // between queries); unhandled, that would crash the process. The failed query is what callers see.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const listeners = new Set<() => Promise<void>>();

  return {
    kind: 'postgres',
    db,
    migrations,
    execute: (sql, params = [], executeOptions = {}) => executeOnPool(pool, sql, params, executeOptions),
    async listen(channel, onNotify) {
      const stop = await listenPostgres(connectionString, channel, onNotify);
      const unsubscribe = async () => {
        listeners.delete(unsubscribe);
        await stop();
      };
      listeners.add(unsubscribe);
      return unsubscribe;
    },
    async close() {
      await Promise.all([...listeners].map((stop) => stop()));
      await db.destroy();
    },
  };
}

/**
 * Sets the role in the startup packet rather than with a `SET ROLE` after connecting: a missing role
 * then fails the connection itself (fail closed), and `RESET ROLE` returns to it, not to the owner.
 */
function withRole(url: string, role: string): string {
  const parsed = new URL(url);
  const existing = parsed.searchParams.get('options');
  parsed.searchParams.set('options', existing ? `${existing} -c role=${role}` : `-c role=${role}`);
  return parsed.toString();
}

async function listenPostgres(
  connectionString: string,
  channel: string,
  onNotify: (payload: string) => void,
): Promise<() => Promise<void>> {
  if (!identifierPattern.test(channel))
    throw new TypeError(`Invalid channel name ${JSON.stringify(channel)}`);
  let stopped = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let backoffMs = 250;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString });
    next.on('notification', (message) => {
      if (message.channel === channel) onNotify(message.payload ?? '');
    });
    next.on('error', () => {});
    next.on('end', () => {
      if (client === next) client = undefined;
      if (!stopped) scheduleReconnect();
    });
    await next.connect();
    await next.query(`LISTEN ${channel}`);
    if (stopped) {
      await next.end();
      return;
    }
    client = next;
  };
  const scheduleReconnect = () => {
    if (retry || stopped) return;
    retry = setTimeout(() => {
      retry = undefined;
      connect().then(
        () => {
          backoffMs = 250;
          onNotify('');
        },
        () => {
          backoffMs = Math.min(backoffMs * 2, 5_000);
          scheduleReconnect();
        },
      );
    }, backoffMs);
    retry.unref();
  };

  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    await client?.end().catch(() => {});
  };
}

async function openPGlite(
  dataDir: string,
  appRole: string | null,
  options: OpenDatabaseOptions,
): Promise<DatabaseHandle> {
  await mkdir(dataDir, { recursive: true });
  const unlock = await acquirePidLock(join(dataDir, 'pglite.lock'));
  let pglite: PGlite | undefined;
  try {
    // int8 as a decimal string, as pg returns it, so positions look the same on both.
    // Loaded only for the embedded database: servers on PostgreSQL never pay for the WASM build.
    const { PGlite: EmbeddedPostgres } = await import('@electric-sql/pglite');
    pglite = await EmbeddedPostgres.create(join(dataDir, 'pglite'), {
      parsers: { 20: (value: string) => value },
    });
    const migrations = options.migrate
      ? await applyMigrations(pgliteSession(pglite), { dir: options.migrationsDir })
      : undefined;
    if (appRole !== null) {
      try {
        await pglite.query(`SET ROLE ${appRole}`);
      } catch (error) {
        throw new Error(
          `Cannot switch to role ${appRole} (run \`npm run migrate\` first?): ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
    }
    const embedded = pglite;
    const mutex = new Mutex();
    const db = new Kysely<Database>({ dialect: new PGliteDialect(embedded, mutex) });
    return {
      kind: 'pglite',
      db,
      migrations,
      async execute<R>(sql: string, params: readonly unknown[] = [], executeOptions: ExecuteOptions = {}) {
        const run = mutex.run(async () => (await embedded.query<R>(sql, [...params])).rows);
        const { timeoutMs } = executeOptions;
        if (timeoutMs === undefined) return run;
        // PGlite cannot cancel a running statement; the caller stops waiting, the statement finishes.
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new DatabaseTimeoutError(timeoutMs)), timeoutMs);
        });
        try {
          return await Promise.race([run, timeout]);
        } finally {
          clearTimeout(timer);
        }
      },
      async listen(channel, onNotify) {
        if (!identifierPattern.test(channel))
          throw new TypeError(`Invalid channel name ${JSON.stringify(channel)}`);
        const unlisten = await mutex.run(() => embedded.listen(channel, onNotify));
        return () => mutex.run(() => unlisten());
      },
      async close() {
        await db.destroy();
        await embedded.close();
        await unlock();
      },
    };
  } catch (error) {
    await pglite?.close().catch(() => {});
    await unlock();
    throw error;
  }
}

/** A {@link MigrationSession} over one pg client. */
export function pgClientSession(client: pg.Client | pg.PoolClient): MigrationSession {
  return {
    async exec(sql) {
      await client.query(sql);
    },
    async query<R>(sql: string, params: readonly unknown[] = []) {
      return (await client.query(sql, [...params])).rows as R[];
    },
  };
}

/** A {@link MigrationSession} over a PGlite instance (`exec()` for multi-statement files). */
export function pgliteSession(pglite: PGlite): MigrationSession {
  return {
    async exec(sql) {
      await pglite.exec(sql);
    },
    async query<R>(sql: string, params: readonly unknown[] = []) {
      return (await pglite.query<R>(sql, [...params])).rows;
    },
  };
}

/**
 * Applies pending migrations as the login role and closes again: what `npm run migrate` does.
 *
 * @example
 * const report = await migrateDatabase({ url: process.env.DATABASE_URL, dataDir: '.data' });
 */
export async function migrateDatabase(
  options: Pick<OpenDatabaseOptions, 'url' | 'dataDir' | 'migrationsDir'>,
): Promise<MigrationReport> {
  const handle = await openDatabase({ ...options, appRole: null, poolSize: 1, migrate: true });
  await handle.close();
  return handle.migrations!;
}
