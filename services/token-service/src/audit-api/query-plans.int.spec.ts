import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOnly } from '../../../shared/db/index.js';
import { createTestDatabase, type TestDatabase } from '../../../shared/testing/test-database.js';
import {
  explainPageQueries,
  loadSyntheticEvents,
  type PlanResult,
  standardPlanCases,
} from './testing/synthetic-audit-log.js';

// Big enough that a sequential scan or a walk from the start of the log would dominate every plan;
// small enough to load in ~10 s on a busy 2-core machine (1M takes ~40 s there, almost all of it
// index building). `npm run bench:audit-query` runs the same plans on 3M rows.
const rows = Number(process.env.AUDIT_PLAN_ROWS ?? 300_000);

let testDb: TestDatabase;
let client: pg.Client;
let plans: PlanResult[];

beforeAll(async () => {
  testDb = await createTestDatabase();
  client = new pg.Client({ connectionString: testDb.url });
  await client.connect();
  const started = performance.now();
  await loadSyntheticEvents(client, { rows });
  const loadSeconds = (performance.now() - started) / 1000;
  const builder = readOnly((await testDb.open(null)).db);
  plans = await explainPageQueries(client, builder, await standardPlanCases(client));
  const summary = plans.map(
    (p) => `${p.name.padEnd(36)} ${p.executionMs.toFixed(2).padStart(9)} ms  ${p.rows} rows`,
  );
  process.stdout.write(
    `\naudit query plans over ${rows.toLocaleString('en')} events (loaded in ${loadSeconds.toFixed(1)} s)\n${summary.join('\n')}\n\n`,
  );
  for (const p of plans) process.stdout.write(`--- ${p.name}\n${p.plan}\n\n`);
}, 180_000);

afterAll(async () => {
  await client?.end();
  await testDb?.drop();
});

describe('audit query plans on a large log', () => {
  it('answers every filter from an index, never a sequential scan of audit_events', () => {
    expect(plans.length).toBeGreaterThan(10);
    for (const { name, plan } of plans) {
      expect({ name, seqScan: /Seq Scan on audit_events/.test(plan) }).toEqual({ name, seqScan: false });
      expect({ name, index: /Index (Only )?Scan|Bitmap Index Scan/.test(plan) }).toEqual({
        name,
        index: true,
      });
    }
  });

  it('pages a frequent subject, type, reason or policy version straight off a commit-order index', () => {
    for (const name of [
      'subject',
      'subject, next page (cursor)',
      'type tool.call.denied',
      'reason',
      'policy_version',
    ]) {
      const { plan } = plans.find((p) => p.name === name)!;
      expect({ name, index: /Index Scan using audit_events_\w+_commit_order_idx/.test(plan) }).toEqual({
        name,
        index: true,
      });
      expect({ name, sorted: /\bSort\b/.test(plan) }).toEqual({ name, sorted: false });
    }
  });

  it('starts a time range where it begins in commit order, from the (recorded_at, transaction_id) index', () => {
    for (const p of plans.filter((p) => p.name.includes('since'))) {
      expect({
        name: p.name,
        bound: /Index Only Scan using audit_events_recorded_at_transaction_idx/.test(p.plan),
      }).toEqual({
        name: p.name,
        bound: true,
      });
    }
  });

  it('never reads most of the log to fill one page', () => {
    for (const p of plans) {
      const removed = [...p.plan.matchAll(/Rows Removed by Filter: (\d+)/g)].reduce(
        (sum, m) => sum + Number(m[1]),
        0,
      );
      expect({ name: p.name, removedBelowTenth: removed < rows / 10 }).toEqual({
        name: p.name,
        removedBelowTenth: true,
      });
    }
  });

  it('returns full pages where enough rows match', () => {
    for (const p of plans.filter((p) => p.name !== 'trace_id' && !p.name.includes('+ deny'))) {
      expect({ name: p.name, rows: p.rows }).toEqual({ name: p.name, rows: 100 });
    }
  });
});
