import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DatabaseHandle } from '../db/index.js';
import { sampleAllowed } from '../testing/sample-events.js';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.js';
import type { ReadCheckpoint } from './api.js';
import { appendEvents } from './append-events.js';
import { createEventStore, type EventStore } from './event-store.js';
import { prepareEvent } from './prepare-event.js';
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
      const prepared = prepareEvent(sampleAllowed({ reasonCode: reason }), new Date());
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

async function readUntilSome(checkpoint: ReadCheckpoint) {
  let page = await store.readAfter(checkpoint);
  const giveUpAt = performance.now() + 10_000;
  while (page.events.length === 0 && performance.now() < giveUpAt) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    page = await store.readAfter(checkpoint);
  }
  return page;
}

describe('readEventsAfter (catch-up reader)', () => {
  it('misses nothing when transactions commit out of order, where a naive position reader skips', async () => {
    const txA = await openTransaction();
    const positionA = await txA.insert('A');
    const txB = await openTransaction();
    const positionB = await txB.insert('B');
    expect(BigInt(positionA)).toBeLessThan(BigInt(positionB));
    await txB.commit();

    // B is committed, A (lower position) is not. The safe reader returns nothing yet: A's
    // transaction is still running, so it stays below the snapshot xmin horizon.
    const first = await store.readAfter(startOfLog);
    expect(first.events.map((event) => event.reasonCode)).toEqual([]);
    // A naive reader sees B and moves its cursor past A's position.
    const naive = await store.query({ afterPosition: '0', type: 'tool.call.allowed' });
    expect(naive.map((event) => event.reasonCode)).toEqual(['B']);
    const naiveCursor = naive.at(-1)!.globalPosition;

    await txA.commit();
    // The snapshot xmin is cluster-wide: another database's open transaction can hold it back for
    // a moment, so poll rather than expect the rows on the first read.
    const second = await readUntilSome(first.checkpoint);
    expect(second.events.map((event) => event.reasonCode)).toEqual(['A', 'B']);
    // The naive reader, resuming after B, never sees A.
    expect(await store.query({ afterPosition: naiveCursor })).toEqual([]);
    expect((await store.readAfter(second.checkpoint)).events).toEqual([]);
  });

  it('pages through the log with a limit and returns each event exactly once', async () => {
    const receipts = await Promise.all(
      Array.from({ length: 25 }, () => store.append(sampleAllowed({ reasonCode: 'page' }))),
    );
    const seen: string[] = [];
    let checkpoint: ReadCheckpoint = startOfLog;
    await vi.waitFor(
      async () => {
        for (;;) {
          const page = await store.readAfter(checkpoint, 7);
          if (page.events.length === 0) break;
          expect(page.events.length).toBeLessThanOrEqual(7);
          seen.push(
            ...page.events.filter((event) => event.reasonCode === 'page').map((event) => event.eventId),
          );
          checkpoint = page.checkpoint;
        }
        expect(seen).toHaveLength(25);
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(seen.sort()).toEqual(receipts.map(([receipt]) => receipt!.eventId).sort());
  });

  it('refuses a malformed checkpoint', async () => {
    await expect(
      store.readAfter({ transactionId: "1'); DROP TABLE x; --", globalPosition: '0' }),
    ).rejects.toThrow(TypeError);
  });
});
