import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../db/index.js';
import { appendEvents, createEventStore, type EventStore, prepareEvent } from '../event-store/index.js';
import { sampleAllowed } from '../testing/sample-events.js';
import { startTcpProxy } from '../testing/tcp-proxy.js';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.js';
import { type AuditSealerOptions, createAuditSealer, type SealerLogger } from './audit-sealer.js';
import { anchorObjectName, checkpointHash, GENESIS_HASH, type SignedCheckpoint } from './checkpoint.js';
import { checkpointFromRow, readCheckpointRowsAfter } from './checkpoint-rows.js';
import { createDirectoryAnchor } from './directory-anchor.js';
import { decodeLeafPositions } from './leaf-positions.js';
import { type LocalSigner, loadOrCreateLocalSigner } from './local-ed25519-signer.js';
import { postgresSealerLock, processLocalSealerLock } from './sealer-lock.js';
import { verifyAuditLog } from './verify-log.js';

let dir: string;
let signer: LocalSigner;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'audit-sealer-'));
  signer = await loadOrCreateLocalSigner(join(dir, 'key'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A fresh database per test: checkpoints are global state of a log. */
interface Log {
  testDb: TestDatabase;
  database: DatabaseHandle;
  store: EventStore;
  anchorDir: string;
}
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

async function newLog(): Promise<Log> {
  const testDb = await createTestDatabase();
  const database = await testDb.open();
  const store = createEventStore({ database });
  cleanups.push(
    () => testDb.drop(),
    () => store.close(),
  );
  return { testDb, database, store, anchorDir: await mkdtemp(join(dir, 'anchor-')) };
}

function sealerFor(log: Log, overrides: Partial<AuditSealerOptions> = {}) {
  const sealer = createAuditSealer({
    database: log.database,
    lock: processLocalSealerLock(),
    signer,
    anchor: createDirectoryAnchor(log.anchorDir),
    append: log.store.append,
    service: 'test',
    instanceId: 'sealer',
    ...overrides,
  });
  cleanups.push(() => sealer.stop());
  return sealer;
}

async function appendMany(log: Log, count: number, label = 'x'): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, (_, i) => log.store.append(sampleAllowed({ reasonCode: `${label}-${i}` }))),
  );
}

/** Waits until every row is below the cluster-wide snapshot xmin (other suites may hold it back). */
async function untilVisible(log: Log): Promise<void> {
  await vi.waitFor(
    async () => {
      const [row] = await log.database.execute<{ visible: boolean | null }>(
        `SELECT (SELECT transaction_id FROM audit_events ORDER BY transaction_id DESC LIMIT 1)
                < pg_snapshot_xmin(pg_current_snapshot()) AS visible`,
      );
      expect(row?.visible).not.toBe(false);
    },
    { timeout: 20_000, interval: 50 },
  );
}

async function checkpoints(log: Log): Promise<SignedCheckpoint[]> {
  return (await readCheckpointRowsAfter(log.database, 0, 10_000)).map(checkpointFromRow);
}

async function typesInOrder(log: Log): Promise<{ position: string; type: string }[]> {
  return (
    await log.database.execute<{ position: string; type: string }>(
      'SELECT global_position::text AS position, event_type AS type FROM audit_events ORDER BY audit_events.transaction_id, audit_events.global_position',
    )
  ).map((row) => ({ position: row.position, type: row.type }));
}

/** Sequences 1..n, each starting where the previous ended, hashes chained, sizes adding up. */
function expectChain(list: readonly SignedCheckpoint[]): void {
  list.forEach((checkpoint, i) => {
    const previous = list[i - 1];
    expect(checkpoint.sequence).toBe(i + 1);
    expect(checkpoint.after).toEqual(previous?.last ?? { transactionId: '0', globalPosition: '0' });
    expect(checkpoint.previousHash).toBe(previous ? checkpointHash(previous) : GENESIS_HASH);
    expect(checkpoint.cumulativeSize).toBe((previous?.cumulativeSize ?? 0) + checkpoint.treeSize);
  });
}

const quietLog = (): SealerLogger & { lines: string[] } => {
  const lines: string[] = [];
  return {
    lines,
    info: (_, message) => void lines.push(`info ${message}`),
    warn: (_, message) => void lines.push(`warn ${message}`),
    error: (_, message) => void lines.push(`error ${message}`),
  };
};

describe('audit sealer', () => {
  it('seals new rows into a signed, anchored checkpoint and records audit.checkpoint.sealed', async () => {
    const log = await newLog();
    const sealer = sealerFor(log);
    expect(await sealer.sealOnce()).toEqual({ status: 'idle' });
    await appendMany(log, 12);
    await untilVisible(log);

    const outcome = await sealer.sealOnce();
    expect(outcome.status).toBe('sealed');
    const [checkpoint] = await checkpoints(log);
    expect(checkpoint).toMatchObject({
      sequence: 1,
      treeSize: 12,
      cumulativeSize: 12,
      previousHash: GENESIS_HASH,
    });
    expect(checkpoint!.keyId).toBe((await signer.key()).keyId);
    expect(await readdir(log.anchorDir)).toEqual([anchorObjectName(1)]);
    const [sealedEvent] = await log.store.query({ type: 'audit.checkpoint.sealed' });
    expect(sealedEvent?.data).toMatchObject({
      sequence: 1,
      treeSize: 12,
      rootHash: checkpoint!.rootHash,
      toPosition: checkpoint!.last.globalPosition,
      signature: checkpoint!.signature,
    });

    // Only its own note is new: nothing to seal.
    await untilVisible(log);
    expect(await sealer.sealOnce()).toEqual({ status: 'idle' });
    expect(await checkpoints(log)).toHaveLength(1);
    expect(
      (await verifyAuditLog({ database: log.database, anchor: createDirectoryAnchor(log.anchorDir) })).ok,
    ).toBe(true);
  });

  it('chains each checkpoint to the previous one, continuing exactly where it ended', async () => {
    const log = await newLog();
    const sealer = sealerFor(log, { maxTreeSize: 7 });
    await appendMany(log, 17, 'a');
    await untilVisible(log);
    // A backlog larger than maxTreeSize is sealed as several checkpoints in one round.
    const first = await sealer.sealOnce();
    // (The notes of the first checkpoints are committed by then and are sealed along.)
    const sizes = first.status === 'sealed' ? first.checkpoints.map((c) => c.treeSize) : [];
    expect(sizes.slice(0, -1)).toEqual([7, 7]);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(17);
    await appendMany(log, 4, 'b');
    await untilVisible(log);
    await sealer.sealOnce();

    const list = await checkpoints(log);
    expectChain(list);
    const rows = await typesInOrder(log);
    const sealedCount = list.at(-1)!.cumulativeSize;
    // Every row is sealed once, in catch-up order; the unsealed rest is the sealer's own notes.
    expect(rows.slice(sealedCount).every((row) => row.type === 'audit.checkpoint.sealed')).toBe(true);
    expect(list.flatMap((c) => [...decodeLeafPositions(c.leafPositions, c.treeSize)])).toEqual(
      rows.slice(0, sealedCount).map((row) => row.position),
    );
    const result = await verifyAuditLog({
      database: log.database,
      anchor: createDirectoryAnchor(log.anchorDir),
    });
    expect(result).toMatchObject({ ok: true, checkpoints: list.length });
  });

  it('seals a transaction that commits after a later one exactly once, in catch-up order', async () => {
    const log = await newLog();
    const sealer = sealerFor(log);
    const slow = new pg.Client({ connectionString: log.testDb.url });
    await slow.connect();
    cleanups.push(() => slow.end());
    await slow.query('SET ROLE mcp_app');
    await slow.query('BEGIN');
    // The slow transaction takes its id first…
    await slow.query('SELECT pg_current_xact_id()');
    // …a later one takes a position and commits…
    const [fast] = await log.store.append(sampleAllowed({ reasonCode: 'fast' }));
    // …then the slow one takes a higher position and is still open.
    const [slowReceipt] = await appendEvents(
      { execute: async (sql, params) => (await slow.query(sql, [...(params ?? [])])).rows },
      [prepareEvent(sampleAllowed({ reasonCode: 'slow' }), new Date())],
    );
    expect(BigInt(slowReceipt!.globalPosition)).toBeGreaterThan(BigInt(fast!.globalPosition));

    // The committed row is not sealed yet: sealing it now would seal past the open transaction.
    expect(await sealer.sealOnce()).toEqual({ status: 'idle' });
    await slow.query('COMMIT');
    await untilVisible(log);
    const outcome = await sealer.sealOnce();
    expect(outcome.status).toBe('sealed');
    const [checkpoint] = await checkpoints(log);
    expect(checkpoint!.leafPositions).toBe(`${slowReceipt!.globalPosition}+1,${fast!.globalPosition}+1`);
    expect(checkpoint!.treeSize).toBe(2);
    await untilVisible(log);
    expect(await sealer.sealOnce()).toEqual({ status: 'idle' });
    expect(
      (await verifyAuditLog({ database: log.database, anchor: createDirectoryAnchor(log.anchorDir) })).ok,
    ).toBe(true);
  });

  it('lets one replica seal at a time: two sealers never write duplicate or overlapping checkpoints', async () => {
    const log = await newLog();
    const a = sealerFor(log, { lock: postgresSealerLock(log.testDb.url) });
    const b = sealerFor(log, { lock: postgresSealerLock(log.testDb.url) });
    const outcomes: string[] = [];
    for (let round = 0; round < 6; round++) {
      await appendMany(log, 5, `r${round}`);
      await untilVisible(log);
      const results = await Promise.all([a.sealOnce(), b.sealOnce()]);
      outcomes.push(...results.map((result) => result.status));
    }
    // One of them holds the lock for good; the other stands by every round.
    expect(outcomes.filter((status) => status === 'standby')).toHaveLength(6);
    const list = await checkpoints(log);
    expectChain(list);
    expect(list.length).toBeGreaterThanOrEqual(1);

    // Stopping the holder releases the lock; the other continues the same chain.
    const holderIsA = (await a.sealOnce()).status !== 'standby';
    await (holderIsA ? a : b).stop();
    await appendMany(log, 3, 'after');
    await untilVisible(log);
    expect((await (holderIsA ? b : a).sealOnce()).status).toBe('sealed');
    expectChain(await checkpoints(log));
    expect(
      (await verifyAuditLog({ database: log.database, anchor: createDirectoryAnchor(log.anchorDir) })).ok,
    ).toBe(true);
  });

  it('cannot fork the chain even when two sealers race without the lock', async () => {
    const log = await newLog();
    const logger = quietLog();
    const sealers = [sealerFor(log, { log: logger }), sealerFor(log, { log: logger })];
    for (let round = 0; round < 5; round++) {
      await appendMany(log, 4, `r${round}`);
      await untilVisible(log);
      await Promise.all(sealers.map((sealer) => sealer.sealOnce()));
    }
    const list = await checkpoints(log);
    expectChain(list);
    expect(
      (await verifyAuditLog({ database: log.database, anchor: createDirectoryAnchor(log.anchorDir) })).ok,
    ).toBe(true);
  });

  it('survives a database outage: the round fails, the next one after recovery seals', async () => {
    const log = await newLog();
    const target = new URL(log.testDb.url);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    cleanups.push(() => proxy.close());
    const viaProxy = await openDatabase({
      url: proxy.rewrite(log.testDb.url),
      dataDir: '.data',
      poolSize: 2,
    });
    cleanups.push(() => viaProxy.close());
    const logger = quietLog();
    const sealer = sealerFor(log, {
      database: viaProxy,
      lock: postgresSealerLock(proxy.rewrite(log.testDb.url), { timeoutMs: 2000 }),
      statementTimeoutMs: 2000,
      log: logger,
    });
    await appendMany(log, 3, 'before');
    await untilVisible(log);
    expect((await sealer.sealOnce()).status).toBe('sealed');

    proxy.cut('reset');
    await appendMany(log, 3, 'during');
    await expect(sealer.sealOnce()).rejects.toThrow();
    proxy.restore();
    await untilVisible(log);
    await vi.waitFor(async () => expect((await sealer.sealOnce()).status).toBe('sealed'), {
      timeout: 15_000,
      interval: 100,
    });
    const list = await checkpoints(log);
    expectChain(list);
    expect(list.at(-1)!.cumulativeSize).toBeGreaterThanOrEqual(6);
  });

  it('runs rounds on a timer, logs failures and stops cleanly, releasing the lock', async () => {
    const log = await newLog();
    const logger = quietLog();
    const lock = postgresSealerLock(log.testDb.url);
    const sealer = sealerFor(log, { intervalMs: 100, lock, log: logger });
    await appendMany(log, 3);
    sealer.start();
    await vi.waitFor(async () => expect(await checkpoints(log)).toHaveLength(1), {
      timeout: 20_000,
      interval: 50,
    });
    await sealer.stop();
    expect(logger.lines).toContain('info audit checkpoint sealed');
    const other = postgresSealerLock(log.testDb.url);
    cleanups.push(() => other.release());
    expect(await other.tryAcquire()).toBe(true);
  });
});
