import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchEvent } from '../../load-test/lib/audit-append.js';
import { createPrng } from '../../load-test/lib/prng.js';
import {
  createAuditSealer,
  createDirectoryAnchor,
  loadOrCreateLocalSigner,
  processLocalSealerLock,
  type SignedCheckpoint,
  verifyAuditLog,
} from '../shared/audit-seal/index.js';
import { decodeLeafPositions } from '../shared/audit-seal/leaf-positions.js';
import { type DatabaseHandle, openDatabase, readOnly } from '../shared/db/index.js';
import { appendEvents, prepareEvent, readEventsAfter, startOfLog } from '../shared/event-store/index.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from './throwaway-postgres.js';

const writers = 8;
const transactionsPerWriter = 20;

let postgres: ThrowawayPostgres;
let url: string;
let database: DatabaseHandle;
let sealDir: string;

beforeAll(async () => {
  postgres = await startThrowawayPostgres();
  url = await postgres.createDatabase('readers');
  database = await openDatabase({ url, dataDir: '.data', appRole: 'mcp_app', poolSize: 4 });
  sealDir = await mkdtemp(join(tmpdir(), 'fault-seal-'));
}, 60_000);

afterAll(async () => {
  await database?.close();
  await postgres?.destroy();
  if (sealDir) await rm(sealDir, { recursive: true, force: true });
}, 30_000);

async function connect(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

/** Appends through the real INSERT, inside a transaction the caller controls. */
function appendIn(client: pg.Client, writer: number, n: number, count: number): Promise<unknown> {
  const now = new Date();
  const events = Array.from({ length: count }, (_, i) => prepareEvent(benchEvent(writer, n * 10 + i), now));
  return appendEvents(
    {
      execute: async <R>(sql: string, params?: readonly unknown[]) =>
        (await client.query(sql, params as unknown[])).rows as R[],
    },
    events,
  ).then(() => events.map((e) => e.eventId));
}

describe('8 writers commit out of position order', () => {
  it('the catch-up reader and the sealer see exactly the committed set; a naive position reader does not', async () => {
    const prng = createPrng(6);
    const committed = new Set<string>();
    const rolledBack = new Set<string>();
    let writing = true;

    // Naive reader: `global_position > last`, the mistake the design warns about.
    const naiveSeen: string[] = [];
    let naiveLast = 0;
    const naiveClient = await connect();
    const naive = async () => {
      const { rows } = await naiveClient.query<{ event_id: string; global_position: string }>(
        'SELECT event_id, global_position FROM audit_events WHERE global_position > $1 ORDER BY global_position LIMIT 500',
        [naiveLast],
      );
      for (const row of rows) {
        naiveSeen.push(row.event_id);
        naiveLast = Number(row.global_position);
      }
      return rows.length;
    };

    // Safe catch-up reader (the event store's `readEventsAfter`).
    const reader = readOnly(database.db);
    const caughtUp: string[] = [];
    let checkpoint = startOfLog;
    const catchUp = async () => {
      const page = await readEventsAfter(reader, checkpoint, 500);
      for (const event of page.events) caughtUp.push(event.eventId);
      checkpoint = page.checkpoint;
      return page.events.length;
    };

    // The sealer, sealing as it goes.
    const sealer = createAuditSealer({
      database,
      lock: processLocalSealerLock(),
      signer: await loadOrCreateLocalSigner(sealDir),
      anchor: createDirectoryAnchor(join(sealDir, 'anchor')),
      service: 'fault-injection',
      instanceId: 'sealer',
      batchSize: 50,
    });
    const checkpoints: SignedCheckpoint[] = [];
    const seal = async () => {
      const outcome = await sealer.sealOnce();
      if (outcome.status === 'sealed') checkpoints.push(...outcome.checkpoints);
      return outcome.status;
    };

    const readersLoop = (async () => {
      while (writing) {
        await Promise.all([naive(), catchUp(), seal()]);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();

    // One deliberate straddle: a transaction takes its position, then commits only after the naive
    // reader has moved past it, so the naive reader provably skips it.
    const straddle = (async () => {
      const client = await connect();
      try {
        await client.query('BEGIN');
        const ids = (await appendIn(client, 99, 0, 1)) as string[];
        const { rows } = await client.query<{ p: string }>(
          'SELECT max(global_position) AS p FROM audit_events WHERE event_id = ANY($1::uuid[])',
          [ids],
        );
        const own = Number(rows[0]?.p);
        const deadline = Date.now() + 10_000;
        while (naiveLast <= own && Date.now() < deadline)
          await new Promise((resolve) => setTimeout(resolve, 5));
        await client.query('COMMIT');
        for (const id of ids) committed.add(id);
        return ids[0]!;
      } finally {
        await client.end();
      }
    })();

    await Promise.all(
      Array.from({ length: writers }, async (_, writer) => {
        const client = await connect();
        try {
          for (let n = 0; n < transactionsPerWriter; n++) {
            await client.query('BEGIN');
            const ids = (await appendIn(client, writer, n, 1 + prng.int(3))) as string[];
            await new Promise((resolve) => setTimeout(resolve, prng.int(40)));
            if (prng.chance(0.1)) {
              await client.query('ROLLBACK');
              for (const id of ids) rolledBack.add(id);
            } else {
              await client.query('COMMIT');
              for (const id of ids) committed.add(id);
            }
          }
        } finally {
          await client.end();
        }
      }),
    );
    const straddled = await straddle;
    writing = false;
    await readersLoop;
    // Drain: nothing is in flight any more, so every reader can reach the end.
    for (let quiet = 0; quiet < 3; ) quiet = (await catchUp()) === 0 ? quiet + 1 : 0;
    while ((await naive()) > 0);
    for (let round = 0; round < 20 && (await seal()) === 'sealed'; round++);
    await sealer.stop();
    await naiveClient.end();

    const logged = await database.execute<{ event_id: string; global_position: string }>(
      "SELECT event_id, global_position::text FROM audit_events WHERE event_type <> 'audit.checkpoint.sealed'",
    );
    const positionOf = new Map(logged.map((row) => [row.event_id, row.global_position]));
    const sealedPositions = checkpoints.flatMap((c) => [...decodeLeafPositions(c.leafPositions, c.treeSize)]);
    const committedPositions = [...committed].map((id) => positionOf.get(id));
    const missedByNaive = [...committed].filter((id) => !naiveSeen.includes(id));
    const verified = await verifyAuditLog({
      database,
      anchor: createDirectoryAnchor(join(sealDir, 'anchor')),
    });
    console.log(
      JSON.stringify({
        scenario: '8 writers, random commit delays',
        committed: committed.size,
        rolledBack: rolledBack.size,
        catchUpRead: caughtUp.length,
        sealed: sealedPositions.length,
        checkpoints: checkpoints.length,
        naiveMissed: missedByNaive.length,
        verified: verified.ok,
      }),
    );

    expect(new Set(logged.map((row) => row.event_id))).toEqual(committed);
    expect(caughtUp).toHaveLength(committed.size);
    expect(new Set(caughtUp)).toEqual(committed);
    expect(sealedPositions).toHaveLength(committed.size);
    expect(new Set(sealedPositions)).toEqual(new Set(committedPositions));
    expect(verified).toMatchObject({ ok: true, unsealed: 0 });
    expect(naiveSeen.every((id) => committed.has(id))).toBe(true);
    expect(missedByNaive).toContain(straddled);
  }, 90_000);
});
