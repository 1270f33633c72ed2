/**
 * `npm run bench:audit`: audit append throughput and commit latency, group commit versus one INSERT
 * per event, on a throw-away database of the local PostgreSQL (`DATABASE_URL`, default
 * postgres://postgres@127.0.0.1:5432/postgres). `synchronous_commit` stays on: every append waits
 * for its WAL flush, as in production. `BENCH_SECONDS` sets each phase's length (default 4).
 */
import { type DatabaseHandle, openDatabase } from '../services/shared/db/index.js';
import { appendEvents, createEventStore, prepareEvent } from '../services/shared/event-store/index.js';
import { type AppendPhaseResult, benchEvent as event, appendPhase as phase } from './lib/audit-append.js';
import { createFreshDatabase } from './lib/fresh-database.js';

const adminUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const phaseMs = Number(process.env.BENCH_SECONDS || 4) * 1_000;
const producerCounts = [16, 64, 256, 1024];
const maxConcurrentFlushes = Number(process.env.BENCH_FLUSHES || 2);

async function main(): Promise<void> {
  // Created and migrated as the owner; dropped at the end.
  const fresh = await createFreshDatabase('bench_audit', adminUrl);
  let database: DatabaseHandle | undefined;
  const results: AppendPhaseResult[] = [];
  try {
    database = await openDatabase({
      url: fresh.url,
      dataDir: '.data',
      appRole: 'mcp_app',
      poolSize: 16,
    });
    const db = database;
    const [{ synchronous_commit }] = (await db.execute<{ synchronous_commit: string }>(
      'SHOW synchronous_commit',
    )) as [{ synchronous_commit: string }];
    console.log(
      `database ${fresh.name}, synchronous_commit=${synchronous_commit}, ${phaseMs / 1_000} s per phase\n`,
    );

    const store = createEventStore({ database: db, maxConcurrentFlushes });
    await phase('warm-up', 16, 1_000, (p, n) => store.append(event(p, n)));
    for (const producers of producerCounts) {
      results.push(await phase('group commit', producers, phaseMs, (p, n) => store.append(event(p, n))));
    }
    await store.close();
    for (const producers of producerCounts) {
      results.push(
        await phase('INSERT per event (pool 16)', producers, phaseMs, (p, n) =>
          appendEvents(db, [prepareEvent(event(p, n), new Date())]),
        ),
      );
    }
  } finally {
    await database?.close();
    await fresh.drop();
  }

  const rows = results.map((r) => ({
    mode: r.mode,
    producers: r.producers,
    events: r.events,
    'events/s': Math.round(r.eventsPerSecond),
    'p50 ms': r.p50Ms.toFixed(2),
    'p99 ms': r.p99Ms.toFixed(2),
  }));
  console.table(rows);
  for (const producers of producerCounts) {
    const group = results.find((r) => r.mode === 'group commit' && r.producers === producers)!;
    const single = results.find((r) => r.mode !== 'group commit' && r.producers === producers)!;
    console.log(
      `${producers} producers: group commit ${(group.eventsPerSecond / single.eventsPerSecond).toFixed(1)}× the events/s of one INSERT per event`,
    );
  }
}

await main();
