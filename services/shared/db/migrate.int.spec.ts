import { appendFile, cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.js';
import { defaultMigrationsDir, MigrationError } from './migrate.js';
import { migrateDatabase } from './open-database.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function emptyDatabase(): Promise<TestDatabase> {
  const testDb = await createTestDatabase({ migrated: false });
  cleanups.push(() => testDb.drop());
  return testDb;
}

async function migrationsCopy(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'migrations-'));
  await cp(defaultMigrationsDir, dir, { recursive: true });
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function scalar<T>(url: string, sql: string): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Object.values((await client.query(sql)).rows[0] as object)[0] as T;
  } finally {
    await client.end();
  }
}

describe('migrations', () => {
  it('apply each file once; running again applies nothing', async () => {
    const { url } = await emptyDatabase();
    const first = await migrateDatabase({ url, dataDir: '.data' });
    expect(first.applied).toContain('0001_audit_events.sql');
    const second = await migrateDatabase({ url, dataDir: '.data' });
    expect(second).toEqual({ applied: [], alreadyApplied: first.applied });
    expect(await scalar<string>(url, 'SELECT count(*) FROM schema_migrations')).toBe(
      String(first.applied.length),
    );
  });

  it('apply each file once when several replicas migrate at the same time (advisory lock)', async () => {
    const { url } = await emptyDatabase();
    const reports = await Promise.all(
      Array.from({ length: 4 }, () => migrateDatabase({ url, dataDir: '.data' })),
    );
    const applied = reports.flatMap((report) => report.applied);
    expect(applied.filter((name) => name === '0001_audit_events.sql')).toHaveLength(1);
  });

  it('refuse to run when an applied file was changed afterwards', async () => {
    const { url } = await emptyDatabase();
    const dir = await migrationsCopy();
    await migrateDatabase({ url, dataDir: '.data', migrationsDir: dir });
    await appendFile(join(dir, '0001_audit_events.sql'), '\n-- an innocent-looking edit\n');
    await writeFile(join(dir, '9998_later.sql'), 'CREATE TABLE later (id int);');
    const refused = migrateDatabase({ url, dataDir: '.data', migrationsDir: dir });
    await expect(refused).rejects.toThrow(MigrationError);
    await expect(refused).rejects.toThrow(/0001_audit_events\.sql was changed after it was applied/);
    // Refused before anything was applied.
    expect(await scalar<string | null>(url, "SELECT to_regclass('later')::text")).toBeNull();
  });

  it('roll back a failing migration entirely and do not record it', async () => {
    const { url } = await emptyDatabase();
    const dir = await migrationsCopy();
    await writeFile(join(dir, '9999_broken.sql'), 'CREATE TABLE half_done (id int);\nSELECT 1 / 0;');
    await expect(migrateDatabase({ url, dataDir: '.data', migrationsDir: dir })).rejects.toThrow(
      /9999_broken\.sql failed: division by zero/,
    );
    expect(await scalar<string | null>(url, "SELECT to_regclass('half_done')::text")).toBeNull();
    expect(
      await scalar<number>(url, 'SELECT count(*)::int FROM schema_migrations WHERE version = 9999'),
    ).toBe(0);
    expect(await scalar<number>(url, 'SELECT count(*)::int FROM schema_migrations')).toBeGreaterThan(0);
  });

  it('refuse a file not named NNNN_name.sql', async () => {
    const { url } = await emptyDatabase();
    const dir = await migrationsCopy();
    await writeFile(join(dir, 'add-index.sql'), 'SELECT 1;');
    await expect(migrateDatabase({ url, dataDir: '.data', migrationsDir: dir })).rejects.toThrow(
      /NNNN_name\.sql/,
    );
  });
});
