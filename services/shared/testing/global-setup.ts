import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrateDatabase } from '../db/index.js';

/**
 * One PostgreSQL per test run: `DATABASE_URL` if set, else a testcontainers Postgres when a
 * container runtime answers, else the machine's local Postgres. The migrations are applied once, to
 * a template database; spec files copy it (`CREATE DATABASE … TEMPLATE`, see `test-database.ts`),
 * which is much faster than migrating each. Every database whose name starts with this run's prefix
 * is dropped at the end.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { adminUrl, stop } = await findPostgres();
  const prefix = `mcp_test_${process.pid}_${Date.now().toString(36)}`;
  const templateDatabase = `${prefix}_template`;
  await createMigratedTemplate(adminUrl, templateDatabase);
  project.provide('adminDatabaseUrl', adminUrl);
  project.provide('testDatabasePrefix', prefix);
  project.provide('templateDatabase', templateDatabase);

  return async () => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ datname: string }>(
        'SELECT datname FROM pg_database WHERE datname LIKE $1',
        [`${prefix}%`],
      );
      for (const { datname } of rows) {
        await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      }
    } finally {
      await client.end();
      await stop();
    }
  };
}

async function createMigratedTemplate(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  // Migrations run as the admin (owner) role, as `npm run migrate` would; the connection is closed
  // afterwards because CREATE DATABASE … TEMPLATE needs a template nobody is connected to.
  await migrateDatabase({ url: url.toString(), dataDir: '.data' });
}

async function findPostgres(): Promise<{ adminUrl: string; stop: () => Promise<void> }> {
  if (process.env.DATABASE_URL) return { adminUrl: process.env.DATABASE_URL, stop: async () => {} };
  try {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:16-alpine').start();
    return { adminUrl: container.getConnectionUri(), stop: async () => void (await container.stop()) };
  } catch {
    // No container runtime here (the usual case on CI machines without Docker): use local Postgres.
    return { adminUrl: 'postgres://postgres@127.0.0.1:5432/postgres', stop: async () => {} };
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
    testDatabasePrefix: string;
    /** A database with every migration applied; copy it with `createTestDatabase()`. */
    templateDatabase: string;
  }
}
