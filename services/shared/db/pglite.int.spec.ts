import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventStore, type EventStore, startOfLog } from '../event-store/index.js';
import { sampleAllowed, sampleDenied } from '../testing/sample-events.js';
import { type DatabaseHandle, openDatabase } from './open-database.js';
import { DatabaseLockedError } from './pid-lock.js';

let dataDir: string;
let database: DatabaseHandle;
let store: EventStore;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'pglite-'));
  database = await openDatabase({ dataDir, migrate: true });
  store = createEventStore({ database });
});
afterAll(async () => {
  await store?.close();
  await database?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('embedded PGlite database', () => {
  it('runs the same migrations as PostgreSQL', () => {
    expect(database.kind).toBe('pglite');
    expect(database.migrations?.applied).toContain('0001_audit_events.sql');
  });

  it('appends through group commit, reads back with the catch-up reader and queries, and notifies on revocation', async () => {
    const payloads: string[] = [];
    const unlisten = await database.listen('audit_events', (payload) => payloads.push(payload));
    const receipts = await Promise.all([
      store.append(sampleAllowed()),
      store.append([sampleDenied(), sampleAllowed()]),
    ]);
    expect(receipts.flat().map((receipt) => receipt.globalPosition)).toEqual(['1', '2', '3']);
    const page = await store.readAfter(startOfLog);
    expect(page.events.map((event) => event.type)).toEqual([
      'tool.call.allowed',
      'tool.call.denied',
      'tool.call.allowed',
    ]);
    expect(page.events[0]!.transactionId).toMatch(/^\d+$/);
    expect((await store.readAfter(page.checkpoint)).events).toEqual([]);
    expect(await store.query({ decision: 'deny' })).toHaveLength(1);
    expect(payloads).toEqual([]);
    await store.append({
      type: 'token.revoked',
      service: 'token-service',
      instanceId: 'i',
      data: { reason: 'test' },
    });
    await expect.poll(() => payloads).toEqual(['token.revoked']);
    await unlisten();
  });

  it('does not duplicate a retried append with the same idempotency key', async () => {
    const first = await store.append(sampleAllowed({ idempotencyKey: 'pglite-retry' }));
    expect(await store.append(sampleAllowed({ idempotencyKey: 'pglite-retry' }))).toEqual(first);
  });

  it('rejects UPDATE, DELETE and TRUNCATE: no privilege as the application role, trigger for the owner', async () => {
    await expect(sql`UPDATE audit_events SET subject = 'mallory'`.execute(database.db)).rejects.toThrow(
      /permission denied/,
    );
    await database.execute('RESET ROLE');
    try {
      for (const statement of [
        "UPDATE audit_events SET subject = 'mallory'",
        'DELETE FROM audit_events',
        'TRUNCATE audit_events',
      ]) {
        await expect(database.execute(statement)).rejects.toThrow(/audit_events is append-only/);
      }
    } finally {
      await database.execute('SET ROLE mcp_app');
    }
  });

  it('refuses a second open of the same data directory, naming the pid that holds it', async () => {
    const second = openDatabase({ dataDir });
    await expect(second).rejects.toThrow(DatabaseLockedError);
    await expect(second).rejects.toThrow(`already open in process ${process.pid}`);
    expect(await readFile(join(dataDir, 'pglite.lock'), 'utf8')).toBe(`${process.pid}\n`);
  });

  it('takes over a lock left by a process that no longer exists', async () => {
    const otherDir = await mkdtemp(join(tmpdir(), 'pglite-stale-'));
    try {
      const dead = spawnSync(process.execPath, ['-e', '']).pid;
      await writeFile(join(otherDir, 'pglite.lock'), `${dead}\n`);
      const handle = await openDatabase({ dataDir: otherDir, appRole: null });
      expect(await readFile(join(otherDir, 'pglite.lock'), 'utf8')).toBe(`${process.pid}\n`);
      await handle.close();
    } finally {
      await rm(otherDir, { recursive: true, force: true });
    }
  });
});
