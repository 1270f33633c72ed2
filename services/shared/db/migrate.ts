import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `migrations/` at the repository root. */
export const defaultMigrationsDir: string = fileURLToPath(new URL('../../../migrations/', import.meta.url));

/** One numbered SQL file, `NNNN_name.sql`. */
export interface MigrationFile {
  readonly version: number;
  readonly name: string;
  readonly fileName: string;
  readonly sql: string;
  /** sha256 (hex) of the file's bytes, recorded when applied. */
  readonly checksum: string;
}

/**
 * The two statements a migration needs from a connection. `exec` must accept several statements
 * in one string (pg's simple query protocol, PGlite's `exec()`); `query` runs one parameterised one.
 * Both must talk to the same session, since the advisory lock and the transactions are per session.
 */
export interface MigrationSession {
  exec(sql: string): Promise<void>;
  query<R>(sql: string, params?: readonly unknown[]): Promise<R[]>;
}

/** What {@link applyMigrations} did. */
export interface MigrationReport {
  /** File names applied by this call, in order. */
  readonly applied: readonly string[];
  /** File names that were already applied (checksums verified). */
  readonly alreadyApplied: readonly string[];
}

/** A migration file is malformed, or differs from the version already applied. */
export class MigrationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

const fileNamePattern = /^(\d{4})_([a-z0-9_]+)\.sql$/;
// Arbitrary constant shared by every replica: one migrator at a time per database.
const advisoryLockKey = 7_310_424_001;

/**
 * Reads `dir/*.sql` in version order.
 *
 * @throws {MigrationError} for a `.sql` file not named `NNNN_name.sql`, or two files with one version.
 */
export async function loadMigrations(dir: string = defaultMigrationsDir): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.sql')).sort();
  const files: MigrationFile[] = [];
  for (const fileName of names) {
    const match = fileNamePattern.exec(fileName);
    if (!match)
      throw new MigrationError(`${join(dir, fileName)}: migration files must be named NNNN_name.sql`);
    const version = Number(match[1]);
    if (files.some((file) => file.version === version)) {
      throw new MigrationError(`${join(dir, fileName)}: version ${version} is used by two files`);
    }
    const bytes = await readFile(join(dir, fileName));
    files.push({
      version,
      name: match[2]!,
      fileName,
      sql: bytes.toString('utf8'),
      checksum: createHash('sha256').update(bytes).digest('hex'),
    });
  }
  return files;
}

/**
 * Applies the migrations not yet recorded in `schema_migrations`, each in its own transaction, under
 * a session advisory lock so concurrently starting replicas apply each file once. Idempotent.
 *
 * @throws {MigrationError} when an applied file's checksum changed (migrations are frozen once
 * applied: add a new file instead) — checked before anything is applied.
 * @example
 * await applyMigrations(pgClientSession(client));
 */
export async function applyMigrations(
  session: MigrationSession,
  options: { dir?: string } = {},
): Promise<MigrationReport> {
  const files = await loadMigrations(options.dir);
  await session.query('SELECT pg_advisory_lock($1)', [advisoryLockKey]);
  try {
    await session.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const rows = await session.query<{ version: number; checksum: string }>(
      'SELECT version, checksum FROM schema_migrations ORDER BY version',
    );
    const applied = new Map(rows.map((row) => [Number(row.version), row.checksum]));
    for (const file of files) {
      const checksum = applied.get(file.version);
      if (checksum !== undefined && checksum !== file.checksum) {
        throw new MigrationError(
          `${file.fileName} was changed after it was applied (recorded sha256 ${checksum}, file ${file.checksum}); ` +
            'applied migrations are frozen: restore the file and add a new migration instead',
        );
      }
    }
    const report = { applied: [] as string[], alreadyApplied: [] as string[] };
    for (const file of files) {
      if (applied.has(file.version)) {
        report.alreadyApplied.push(file.fileName);
        continue;
      }
      await session.exec('BEGIN');
      try {
        await session.exec(file.sql);
        await session.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          file.version,
          file.name,
          file.checksum,
        ]);
        await session.exec('COMMIT');
      } catch (error) {
        await session.exec('ROLLBACK').catch(() => {});
        throw new MigrationError(`${file.fileName} failed: ${(error as Error).message}`, { cause: error });
      }
      report.applied.push(file.fileName);
    }
    return report;
  } finally {
    await session.query('SELECT pg_advisory_unlock($1)', [advisoryLockKey]).catch(() => {});
  }
}
