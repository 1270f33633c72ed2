/**
 * `npm run migrate`: applies `migrations/*.sql` as the owner role. Target: `MIGRATION_DATABASE_URL`,
 * else `DATABASE_URL`, else the embedded PGlite database under `DATA_DIR` (default `.data`).
 * Exit status 0 when the schema is current.
 */
import { MigrationError, migrateDatabase } from '../db/index.js';

const url = process.env.MIGRATION_DATABASE_URL || process.env.DATABASE_URL || undefined;
const dataDir = process.env.DATA_DIR || '.data';

try {
  const report = await migrateDatabase({ url, dataDir });
  const target = url ? 'PostgreSQL' : `embedded database in ${dataDir}`;
  for (const name of report.applied) console.log(`applied ${name}`);
  console.log(
    `${target}: ${report.applied.length} migration(s) applied, ${report.alreadyApplied.length} already applied`,
  );
} catch (error) {
  console.error(
    error instanceof MigrationError ? error.message : `migration failed: ${(error as Error).message}`,
  );
  process.exitCode = 1;
}
