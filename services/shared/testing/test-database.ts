import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { type DatabaseHandle, type OpenDatabaseOptions, openDatabase } from '../db/index.js';

/** A database of its own for one spec file (or test). */
export interface TestDatabase {
  readonly name: string;
  /** Connection URL as the admin (owner) login. */
  readonly url: string;
  /**
   * Opens a handle; `appRole` defaults to `mcp_app` (INSERT and SELECT only), `null` stays owner.
   * Handles opened here are closed by {@link TestDatabase.drop}.
   */
  open(
    appRole?: string | null,
    options?: Omit<OpenDatabaseOptions, 'url' | 'dataDir' | 'appRole'>,
  ): Promise<DatabaseHandle>;
  /** Closes the handles opened through {@link TestDatabase.open} and drops the database. */
  drop(): Promise<void>;
}

/**
 * Creates a fresh database on the run's PostgreSQL (see `global-setup.ts`), named with the run
 * prefix so the run's teardown drops it even if the spec does not. By default it is a copy of the
 * migrated template; `{ migrated: false }` gives an empty one (for migration tests).
 *
 * @example
 * const testDb = await createTestDatabase();
 * const handle = await testDb.open();
 * afterAll(() => testDb.drop());
 */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = inject('adminDatabaseUrl');
  const name = `${inject('testDatabasePrefix')}_${randomBytes(4).toString('hex')}`;
  const template = options.migrated === false ? 'template0' : inject('templateDatabase');
  await adminQuery(adminUrl, async (client) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
        return;
      } catch (error) {
        // 55006: another worker is copying the same template at this instant.
        if ((error as { code?: string }).code !== '55006' || attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handles = new Set<DatabaseHandle>();
  return {
    name,
    url: url.toString(),
    async open(appRole = 'mcp_app', openOptions = {}) {
      const handle = await openDatabase({ ...openOptions, url: url.toString(), dataDir: '.data', appRole });
      handles.add(handle);
      return handle;
    },
    async drop() {
      await Promise.all([...handles].map((handle) => handle.close().catch(() => {})));
      handles.clear();
      await adminQuery(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

async function adminQuery<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
