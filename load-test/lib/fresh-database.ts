import pg from 'pg';
import { migrateDatabase } from '../../services/shared/db/index.js';

/** A migrated database of its own on a PostgreSQL server, dropped by {@link FreshDatabase.drop}. */
export interface FreshDatabase {
  readonly name: string;
  /** Owner URL of the new database. */
  readonly url: string;
  drop(): Promise<void>;
}

/**
 * Creates and migrates a throw-away database (name `prefix_<pid>_<time>`) next to the one `adminUrl`
 * names (default: the local PostgreSQL).
 */
export async function createFreshDatabase(
  prefix: string,
  adminUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
): Promise<FreshDatabase> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}`;
  await admin(adminUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  try {
    await migrateDatabase({ url: url.toString(), dataDir: '.data' });
  } catch (error) {
    await admin(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    throw error;
  }
  return {
    name,
    url: url.toString(),
    drop: () => admin(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

async function admin(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
