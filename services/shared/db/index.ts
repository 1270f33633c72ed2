export {
  type AuditEventsTable,
  type Database,
  type ReadonlyDatabase,
  readOnly,
  type SchemaMigrationsTable,
} from './database.js';
export { DatabaseTimeoutError, type ExecuteOptions } from './execute-on-pool.js';
export {
  applyMigrations,
  defaultMigrationsDir,
  loadMigrations,
  MigrationError,
  type MigrationFile,
  type MigrationReport,
  type MigrationSession,
} from './migrate.js';
export {
  type DatabaseHandle,
  migrateDatabase,
  type OpenDatabaseOptions,
  openDatabase,
  pgClientSession,
  pgliteSession,
} from './open-database.js';
export { DatabaseLockedError } from './pid-lock.js';
