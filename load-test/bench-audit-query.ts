/**
 * `npm run bench:audit-query`: loads `BENCH_ROWS` synthetic audit events (default 3 000 000) into a
 * throw-away database of the local PostgreSQL (`DATABASE_URL`, default
 * postgres://postgres@127.0.0.1:5432/postgres) and prints `EXPLAIN (ANALYZE, BUFFERS)` of exactly
 * the statements `GET /audit/events` runs for its main filters, with a summary table. Exits 1 when
 * any plan scans `audit_events` sequentially.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { ReadonlyDatabase } from '../services/shared/db/index.js';
import {
  explainPageQueries,
  loadSyntheticEvents,
  standardPlanCases,
} from '../services/token-service/src/audit-api/testing/synthetic-audit-log.js';
import { createFreshDatabase } from './lib/fresh-database.js';

const adminUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const rows = Number(process.env.BENCH_ROWS || 3_000_000);

async function main(): Promise<number> {
  // Created and migrated as the owner; dropped at the end.
  const fresh = await createFreshDatabase('bench_audit_query', adminUrl);
  const client = new pg.Client({ connectionString: fresh.url });
  // Compiles statements only; never connects.
  const builder = new Kysely<ReadonlyDatabase>({ dialect: new PostgresDialect({ pool: new pg.Pool() }) });
  try {
    await client.connect();
    const started = performance.now();
    const load = await loadSyntheticEvents(client, { rows });
    const { rows: size } = await client.query<{ size: string }>(
      "SELECT pg_size_pretty(pg_total_relation_size('audit_events')) AS size",
    );
    console.log(
      `loaded ${rows.toLocaleString('en')} events in ${((performance.now() - started) / 1000).toFixed(1)} s ` +
        `(insert ${(load.insertMs / 1000).toFixed(1)} s, index build ${(load.indexMs / 1000).toFixed(1)} s, ` +
        `vacuum ${(load.vacuumMs / 1000).toFixed(1)} s; table and indexes: ${size[0]!.size})\n`,
    );
    const plans = await explainPageQueries(client, builder, await standardPlanCases(client));
    for (const plan of plans) console.log(`--- ${plan.name}\n${plan.plan}\n`);
    console.table(
      plans.map((plan) => ({
        filter: plan.name,
        'execution ms': Number(plan.executionMs.toFixed(2)),
        rows: plan.rows,
        'seq scan': /Seq Scan on audit_events/.test(plan.plan) ? 'YES' : 'no',
      })),
    );
    return plans.some((plan) => /Seq Scan on audit_events/.test(plan.plan)) ? 1 : 0;
  } finally {
    await client.end().catch(() => {});
    await builder.destroy();
    await fresh.drop();
  }
}

process.exitCode = await main();
