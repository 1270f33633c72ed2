import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../db/index.js';
import type { AppError } from '../errors/index.js';
import { sampleAllowed } from '../testing/sample-events.js';
import { startTcpProxy, type TcpProxy } from '../testing/tcp-proxy.js';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.js';
import { createEventStore, type EventStore } from './event-store.js';

const deadlineMs = 500;
let testDb: TestDatabase;
let proxy: TcpProxy;
let database: DatabaseHandle;
let store: EventStore;
let locker: pg.Client | undefined;

beforeAll(async () => {
  testDb = await createTestDatabase();
  const target = new URL(testDb.url);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  database = await openDatabase({ url: proxy.rewrite(testDb.url), dataDir: '.data', appRole: 'mcp_app' });
  store = createEventStore({ database, commitDeadlineMs: deadlineMs, probeIntervalMs: 100 });
});
afterEach(async () => {
  proxy.restore();
  await locker?.end().catch(() => {});
  locker = undefined;
});
afterAll(async () => {
  await store.close();
  await database.close();
  await proxy.close();
  await testDb.drop();
});

async function failure(promise: Promise<unknown>): Promise<{ error: AppError; elapsedMs: number }> {
  const started = performance.now();
  const error = await promise.then(
    () => {
      throw new Error('expected the append to fail');
    },
    (reason: unknown) => reason as AppError,
  );
  return { error, elapsedMs: performance.now() - started };
}

/** Holds ACCESS EXCLUSIVE on audit_events from another session until `release()`. */
async function lockAuditEvents(): Promise<() => Promise<void>> {
  locker = new pg.Client({ connectionString: testDb.url });
  await locker.connect();
  await locker.query('BEGIN');
  await locker.query('LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE');
  const client = locker;
  return async () => {
    await client.query('ROLLBACK');
  };
}

async function countRows(reasonCode: string): Promise<number> {
  const admin = new pg.Client({ connectionString: testDb.url });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ n: string }>(
      'SELECT count(*) AS n FROM audit_events WHERE reason_code = $1',
      [reasonCode],
    );
    return Number(rows[0]!.n);
  } finally {
    await admin.end();
  }
}

describe('fail closed', () => {
  it('fails appends with ERR_AUDIT_UNAVAILABLE within the deadline while the database is unreachable, and recovers by itself', async () => {
    await store.append(sampleAllowed());
    expect(store.health().healthy).toBe(true);

    proxy.cut('reset');
    const { error, elapsedMs } = await failure(store.append(sampleAllowed({ reasonCode: 'while-down' })));
    expect(error.code).toBe('ERR_AUDIT_UNAVAILABLE');
    expect(error.status).toBe(503);
    expect(elapsedMs).toBeLessThan(deadlineMs + 250);
    expect(store.health()).toMatchObject({ healthy: false });
    // Stays unhealthy while down: the probe keeps failing.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(store.health().healthy).toBe(false);

    proxy.restore();
    // No appends here: the background probe alone must notice the database is back.
    await vi.waitFor(() => expect(store.health().healthy).toBe(true), { timeout: 5_000, interval: 50 });
    await expect(store.append(sampleAllowed({ reasonCode: 'after-recovery' }))).resolves.toHaveLength(1);
  });

  it('fails at the deadline, without hanging, when the network silently drops everything', async () => {
    await store.append(sampleAllowed());
    proxy.cut('blackhole');
    const { error, elapsedMs } = await failure(store.append(sampleAllowed()));
    expect(error.code).toBe('ERR_AUDIT_UNAVAILABLE');
    expect(elapsedMs).toBeGreaterThanOrEqual(deadlineMs - 20);
    expect(elapsedMs).toBeLessThan(deadlineMs + 250);
    proxy.restore();
    await vi.waitFor(() => expect(store.health().healthy).toBe(true), { timeout: 5_000, interval: 50 });
    await expect(store.append(sampleAllowed())).resolves.toHaveLength(1);
  });

  it('fails at the deadline while another session holds a lock on audit_events, and cancels the waiting INSERT', async () => {
    const release = await lockAuditEvents();
    const { error, elapsedMs } = await failure(store.append(sampleAllowed({ reasonCode: 'while-locked' })));
    expect(error.code).toBe('ERR_AUDIT_UNAVAILABLE');
    expect(elapsedMs).toBeLessThan(deadlineMs + 250);
    // The INSERT was cancelled server-side: nothing is left waiting for the lock...
    await vi.waitFor(async () => {
      const { rows } = await locker!.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
         WHERE c.relname = 'audit_events' AND NOT l.granted`,
      );
      expect(rows[0]!.n).toBe('0');
    });
    await release();
    // ...so the event the caller was told failed does not appear once the lock is gone.
    expect(await countRows('while-locked')).toBe(0);
    await expect(store.append(sampleAllowed({ reasonCode: 'after-lock' }))).resolves.toHaveLength(1);
    expect(await countRows('after-lock')).toBe(1);
  });

  it('refuses with ERR_AUDIT_OVERLOADED at once when the queue is full', async () => {
    const small = createEventStore({
      database,
      commitDeadlineMs: 2_000,
      maxQueue: 10,
      maxConcurrentFlushes: 1,
    });
    const release = await lockAuditEvents();
    const inFlight = small.append(sampleAllowed());
    await new Promise((resolve) => setTimeout(resolve, 50));
    const queued = Array.from({ length: 10 }, () => small.append(sampleAllowed()));
    const { error, elapsedMs } = await failure(small.append(sampleAllowed()));
    expect(error.code).toBe('ERR_AUDIT_OVERLOADED');
    expect(elapsedMs).toBeLessThan(50);
    await release();
    await expect(Promise.all([inFlight, ...queued])).resolves.toHaveLength(11);
    await small.close();
  });
});
