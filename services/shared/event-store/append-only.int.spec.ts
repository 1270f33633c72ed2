import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/index.js';
import { sampleAllowed } from '../testing/sample-events.js';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.js';
import { createEventStore } from './event-store.js';

let testDb: TestDatabase;
let app: DatabaseHandle;
let owner: DatabaseHandle;

beforeAll(async () => {
  testDb = await createTestDatabase();
  app = await testDb.open('mcp_app');
  owner = await testDb.open(null);
  const store = createEventStore({ database: app });
  await store.append([sampleAllowed(), sampleAllowed()]);
  await store.close();
});
afterAll(() => testDb.drop());

const attempts = {
  UPDATE: "UPDATE audit_events SET subject = 'mallory'",
  DELETE: 'DELETE FROM audit_events',
  TRUNCATE: 'TRUNCATE audit_events',
} as const;

describe('audit_events is append-only', () => {
  for (const [operation, statement] of Object.entries(attempts)) {
    it(`${operation} fails as the application role (no privilege)`, async () => {
      await expect(sql.raw(statement).execute(app.db)).rejects.toThrow(/permission denied/);
    });

    it(`${operation} fails even for the owner (trigger)`, async () => {
      await expect(sql.raw(statement).execute(owner.db)).rejects.toThrow(
        `audit_events is append-only: ${operation} is not allowed`,
      );
    });
  }

  it('the rows are still there, unchanged', async () => {
    const rows = await owner.db.selectFrom('audit_events').select(['subject']).execute();
    expect(rows.map((row) => row.subject)).toEqual(['alice@example.com', 'alice@example.com']);
  });

  it('the application role can INSERT and SELECT but not create objects or record migrations', async () => {
    await expect(sql`SELECT count(*) FROM audit_events`.execute(app.db)).resolves.toBeDefined();
    await expect(sql`SELECT version FROM schema_migrations`.execute(app.db)).resolves.toBeDefined();
    await expect(
      sql`INSERT INTO schema_migrations (version, name, checksum) VALUES (999, 'x', 'x')`.execute(app.db),
    ).rejects.toThrow(/permission denied/);
    await expect(sql`CREATE TABLE sneaky (id int)`.execute(app.db)).rejects.toThrow(/permission denied/);
  });

  it('the reader role can SELECT only', async () => {
    const reader = await testDb.open('mcp_reader');
    await expect(sql`SELECT count(*) FROM audit_events`.execute(reader.db)).resolves.toBeDefined();
    const insert = createEventStore({ database: reader, commitDeadlineMs: 300 });
    await expect(insert.append(sampleAllowed())).rejects.toMatchObject({ code: 'ERR_AUDIT_UNAVAILABLE' });
    await insert.close();
  });

  it('UPDATE is also a type error on the kysely handle', () => {
    // @ts-expect-error audit columns are ColumnType<S, I, never>: not updatable.
    app.db.updateTable('audit_events').set({ subject: 'mallory' });
  });
});
