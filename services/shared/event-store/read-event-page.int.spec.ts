import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase, readOnly } from '../db/index.js';
import { sampleAllowed, sampleDenied } from '../testing/sample-events.js';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.js';
import type { ReadCheckpoint } from './api.js';
import { appendEvents } from './append-events.js';
import { createEventStore, type EventStore } from './event-store.js';
import { prepareEvent } from './prepare-event.js';
import { type EventPageFilter, readEventPage } from './read-event-page.js';
import { startOfLog } from './read-events-after.js';

let testDb: TestDatabase;
let database: DatabaseHandle;
let store: EventStore;

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await testDb.open();
  store = createEventStore({ database });
});
afterAll(async () => {
  await store.close();
  await testDb.drop();
});

/** A transaction on its own connection that the test commits when it chooses. */
async function openTransaction(): Promise<{
  insert(reason: string): Promise<string>;
  commit(): Promise<void>;
}> {
  const client = new pg.Client({ connectionString: testDb.url });
  await client.connect();
  await client.query('SET ROLE mcp_app');
  await client.query('BEGIN');
  return {
    async insert(reason) {
      const prepared = prepareEvent(
        sampleDenied({ actor: { subject: 'late@example.com' }, reasonCode: reason }),
        new Date(),
      );
      const [receipt] = await appendEvents(
        { execute: async (sql, params) => (await client.query(sql, [...(params ?? [])])).rows },
        [prepared],
      );
      return receipt!.globalPosition;
    },
    async commit() {
      await client.query('COMMIT');
      await client.end();
    },
  };
}

/** Pages from `after` until `count` events were read (the horizon may lag behind other databases). */
async function readAll(filter: EventPageFilter, after: ReadCheckpoint, count: number, limit = 2) {
  const reasons: string[] = [];
  let next = after;
  const giveUpAt = Date.now() + 20_000;
  while (reasons.length < count && Date.now() < giveUpAt) {
    const page = await readEventPage(readOnly(database.db), filter, next, limit);
    reasons.push(...page.events.map((event) => event.reasonCode ?? ''));
    next = page.next;
    if (!page.hasMore) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { reasons, next };
}

describe('readEventPage (audit API pages)', () => {
  it('returns an event whose transaction commits after a later one: a position cursor would skip it', async () => {
    const filter = { subject: 'late@example.com' };
    const txA = await openTransaction();
    const positionA = await txA.insert('A');
    const txB = await openTransaction();
    const positionB = await txB.insert('B');
    expect(BigInt(positionA)).toBeLessThan(BigInt(positionB));
    await txB.commit();

    // B is committed but A (the lower position) is not: B stays above the horizon, so the page
    // is empty and its cursor cannot pass A.
    const first = await readEventPage(readOnly(database.db), filter, startOfLog, 10);
    expect(first.events).toEqual([]);
    expect(first.hasMore).toBe(false);
    const naive = await store.query({ subject: 'late@example.com', afterPosition: '0' });
    expect(naive.map((event) => event.reasonCode)).toEqual(['B']);

    await txA.commit();
    const { reasons } = await readAll(filter, first.next, 2);
    expect(reasons.sort()).toEqual(['A', 'B']);
  });

  it('advances a short page to the horizon, so an unmatched filter does not rescan the log', async () => {
    await store.append([sampleAllowed({ reasonCode: 'R1' }), sampleAllowed({ reasonCode: 'R2' })]);
    const { next } = await readAll({ reasonCode: 'R2' }, startOfLog, 1);
    const later = await readEventPage(readOnly(database.db), { reasonCode: 'nothing-matches' }, next, 10);
    expect(BigInt(later.next.transactionId)).toBeGreaterThanOrEqual(BigInt(next.transactionId));
    await store.append(sampleAllowed({ reasonCode: 'R3' }));
    const { reasons } = await readAll({ reasonCode: 'R3' }, later.next, 1);
    expect(reasons).toEqual(['R3']);
  });

  it('matches no type for an empty type list, and rejects invalid limits and checkpoints', async () => {
    const page = await readEventPage(readOnly(database.db), { types: [] }, startOfLog, 10);
    expect(page.events).toEqual([]);
    await expect(readEventPage(readOnly(database.db), {}, startOfLog, 0)).rejects.toThrow(TypeError);
    await expect(
      readEventPage(readOnly(database.db), {}, { transactionId: '1; drop', globalPosition: '0' }),
    ).rejects.toThrow(TypeError);
    await expect(
      readEventPage(readOnly(database.db), {}, { transactionId: '1', globalPosition: '9223372036854775808' }),
    ).rejects.toThrow(TypeError);
  });
});

describe('readEventPage on the embedded database', () => {
  it('pages through the same filters on PGlite with migration 0002 applied', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'audit-page-'));
    const embedded = await openDatabase({ dataDir, migrate: true });
    try {
      expect(embedded.migrations?.applied).toContain('0002_audit_query_indexes.sql');
      const embeddedStore = createEventStore({ database: embedded });
      await embeddedStore.append([sampleAllowed(), sampleDenied(), sampleAllowed(), sampleDenied()]);
      await embeddedStore.close();
      const reader = readOnly(embedded.db);
      const first = await readEventPage(reader, { decision: 'deny', clientId: 'claude-code' }, startOfLog, 1);
      const second = await readEventPage(
        reader,
        { decision: 'deny', clientId: 'claude-code' },
        first.next,
        1,
      );
      const third = await readEventPage(
        reader,
        { decision: 'deny', clientId: 'claude-code' },
        second.next,
        1,
      );
      expect([...first.events, ...second.events].map((event) => event.globalPosition)).toEqual(['2', '4']);
      expect(third.events).toEqual([]);
      expect(third.hasMore).toBe(false);
    } finally {
      await embedded.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
