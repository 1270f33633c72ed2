import type { CommonConfig } from '../config/index.js';
import { type DatabaseHandle, loadMigrations, openDatabase } from '../db/index.js';
import { AppError } from '../errors/index.js';
import { createEventStore, type EventStore } from '../event-store/index.js';

export interface AuditStore {
  readonly database: DatabaseHandle;
  readonly store: EventStore;
  /** Flushes pending events, then closes the database. */
  close(): Promise<void>;
}

/**
 * Opens the database a server role writes its events to, as the application role, and checks
 * the schema is current (migrations are an explicit step: `npm run migrate`, or the Helm hook).
 * `migrate: true` applies them first: only the all-in-one local `npm start` and dev commands on the
 * embedded database do that.
 */
export async function openAuditStore(
  config: CommonConfig,
  options: { migrate?: boolean } = {},
): Promise<AuditStore> {
  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    appRole: config.databaseAppRole,
    migrate: options.migrate ?? false,
  });
  try {
    await assertSchemaCurrent(database);
  } catch (error) {
    await database.close();
    throw error;
  }
  const store = createEventStore({
    database,
    commitDeadlineMs: config.auditCommitDeadlineMs,
    maxConcurrentFlushes: config.auditConcurrentFlushes,
  });
  return {
    database,
    store,
    close: async () => {
      await store.close();
      await database.close();
    },
  };
}

async function assertSchemaCurrent(database: DatabaseHandle): Promise<void> {
  const expected = (await loadMigrations()).map((migration) => migration.version);
  let applied: number[];
  try {
    const rows = await database.execute<{ version: number | string }>(
      'SELECT version FROM schema_migrations',
    );
    applied = rows.map((row) => Number(row.version));
  } catch (error) {
    throw new AppError(
      'ERR_CONFIG_INVALID',
      `the database schema is not migrated (${(error as Error).message}); run \`npm run migrate\` first`,
      {
        cause: error,
      },
    );
  }
  const missing = expected.filter((version) => !applied.includes(version));
  if (missing.length > 0) {
    throw new AppError(
      'ERR_CONFIG_INVALID',
      `the database is missing migration(s) ${missing.join(', ')}; run \`npm run migrate\` first`,
    );
  }
}
