import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { ReadonlyDatabase } from '../../../../shared/db/index.js';
import {
  type EventPageFilter,
  eventPageQuery,
  type ReadCheckpoint,
  sinceStartQuery,
} from '../../../../shared/event-store/index.js';

/** Options of {@link loadSyntheticEvents}. */
export interface SyntheticLoadOptions {
  readonly rows: number;
  /**
   * Rows per INSERT: one transaction and one `recorded_at` each, like a group-commit batch.
   * Default 1000 (the writer's largest batch).
   */
  readonly rowsPerTransaction?: number;
  /** Spread of `recorded_at` back from now. Default 30 days. */
  readonly days?: number;
  /** Number of distinct subjects. Default one per 400 rows (a busy user's worth of pages). */
  readonly subjects?: number;
}

// A plausible mix: mostly tool calls and lists, a few percent denials, issuance and rejections.
const insertSql = `
INSERT INTO audit_events (
  event_id, idempotency_key, event_type, occurred_at, recorded_at, service, instance_id, subject,
  client_id, token_id, mcp_method, tool_name, decision, reason_code, policy_id, policy_version,
  policy_hash, trace_id, span_id, source_address, user_agent, content_hash
)
SELECT gen_random_uuid(), 's' || g, t.type, t.at, t.at, 'mcp-server', 'replica-' || (g % 4),
  'user-' || (t.h % $4) || '@example.com',
  (ARRAY['claude-code', 'cursor', 'vscode', 'mcp-inspector', 'ci-bot'])[1 + (t.h / 7) % 5],
  'jti-' || (g / 20),
  CASE WHEN t.type LIKE 'tool%' THEN 'tools/' || CASE WHEN t.type = 'tools.listed' THEN 'list' ELSE 'call' END END,
  CASE WHEN t.type LIKE 'tool.call.%' THEN (ARRAY['get_public_info', 'get_confidential_info', 'read_document',
    'search_documents', 'list_projects', 'get_weather'])[1 + (t.h / 11) % 6] END,
  CASE WHEN t.type IN ('tool.call.allowed', 'tool.call.completed', 'tools.listed') THEN 'allow'
       WHEN t.type IN ('tool.call.denied', 'auth.rejected', 'login.failed') THEN 'deny' END,
  CASE WHEN t.type = 'tool.call.denied' THEN (ARRAY['ERR_SCOPE_INSUFFICIENT', 'ERR_TOOL_NOT_IN_POLICY'])[1 + (t.h / 13) % 2]
       WHEN t.type = 'auth.rejected' THEN (ARRAY['ERR_TOKEN_EXPIRED', 'ERR_TOKEN_MISSING', 'ERR_TOKEN_SIGNATURE_INVALID'])[1 + (t.h / 13) % 3]
       WHEN t.type IN ('tool.call.allowed', 'tools.listed') THEN 'OK' END,
  'tools', 'v' || (1 + (g * 5) / ($3 + 1)), repeat('a', 64),
  md5('trace' || g), substr(md5('span' || g), 1, 16), '10.0.' || (g % 250) || '.1', 'claude-code/2.1',
  md5(g::text) || md5((g + 7)::text)
FROM generate_series($1::bigint, $2::bigint) AS g,
LATERAL (SELECT
  -- A multiplicative hash of g, so that subject, client, tool and type vary independently.
  (g * 2654435761) % 4294967296 AS h,
  CASE
    WHEN g % 100 < 38 THEN 'tool.call.allowed'
    WHEN g % 100 < 73 THEN 'tool.call.completed'
    WHEN g % 100 < 87 THEN 'tools.listed'
    WHEN g % 100 < 91 THEN 'tool.call.denied'
    WHEN g % 100 < 93 THEN 'token.issued'
    WHEN g % 100 < 94 THEN 'token.refreshed'
    WHEN g % 100 < 96 THEN 'auth.rejected'
    WHEN g % 100 < 97 THEN 'login.succeeded'
    WHEN g % 100 < 98 THEN 'login.failed'
    WHEN g % 100 < 99 THEN 'audit.queried'
    ELSE 'token.revoked'
  END AS type,
  -- One instant per transaction, like a group-commit batch.
  now() - make_interval(secs => ($3 - $1) * $5::double precision) AS at
) AS t`;

/**
 * Fills `audit_events` with synthetic rows through `client` (an owner connection): the secondary
 * indexes are dropped, the rows inserted with `INSERT … SELECT generate_series` in transactions of
 * `rowsPerTransaction`, then the same index definitions are rebuilt and the table analysed (a bulk
 * load is several times faster that way than maintaining ~15 indexes row by row).
 */
export async function loadSyntheticEvents(
  client: pg.Client,
  options: SyntheticLoadOptions,
): Promise<{ insertMs: number; indexMs: number; vacuumMs: number }> {
  const perTransaction = options.rowsPerTransaction ?? 1_000;
  const secondsPerRow = ((options.days ?? 30) * 86_400) / options.rows;
  const { rows: indexes } = await client.query<{ indexname: string; indexdef: string }>(
    `SELECT i.indexname, i.indexdef FROM pg_indexes i
     WHERE i.tablename = 'audit_events'
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
  );
  await client.query('SET synchronous_commit = off');
  await client.query("SET maintenance_work_mem = '256MB'");
  for (const { indexname } of indexes) await client.query(`DROP INDEX ${quoteIdent(indexname)}`);
  let mark = performance.now();
  for (let start = 1; start <= options.rows; start += perTransaction) {
    const end = Math.min(options.rows, start + perTransaction - 1);
    await client.query(insertSql, [
      start,
      end,
      options.rows,
      options.subjects ?? Math.max(10, Math.round(options.rows / 400)),
      secondsPerRow,
    ]);
  }
  const insertMs = performance.now() - mark;
  mark = performance.now();
  for (const { indexdef } of indexes) await client.query(indexdef);
  const indexMs = performance.now() - mark;
  mark = performance.now();
  // What autovacuum does to a real log between loads: statistics, and the visibility map that lets
  // the (recorded_at, transaction_id) index answer without visiting the table.
  await client.query('VACUUM (ANALYZE) audit_events');
  const vacuumMs = performance.now() - mark;
  await client.query('RESET synchronous_commit');
  return { insertMs, indexMs, vacuumMs };
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** One filtered page query to explain. */
export interface PlanCase {
  readonly name: string;
  readonly filter: EventPageFilter;
  /** Start after this many matching rows (a later page), else from the start. */
  readonly after?: ReadCheckpoint;
  readonly limit?: number;
}

/** The EXPLAIN (ANALYZE, BUFFERS) of one {@link PlanCase}. */
export interface PlanResult {
  readonly name: string;
  readonly plan: string;
  readonly executionMs: number;
  readonly rows: number;
}

/**
 * Runs `EXPLAIN (ANALYZE, BUFFERS)` for exactly the statement the audit API sends for each case
 * (built by `eventPageQuery`, with its bound parameters) at the current horizon.
 */
export async function explainPageQueries(
  client: pg.Client,
  builder: Kysely<ReadonlyDatabase>,
  cases: readonly PlanCase[],
): Promise<PlanResult[]> {
  const { rows } = await client.query<{ horizon: string }>(
    'SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon',
  );
  const horizon = rows[0]!.horizon;
  const results: PlanResult[] = [];
  for (const planCase of cases) {
    let after = planCase.after ?? { transactionId: '0', globalPosition: '0' };
    let boundPlan = '';
    let boundMs = 0;
    // The same two steps as readEventPage: a first page with `since` finds where the range starts.
    if (planCase.filter.since !== undefined && after.transactionId === '0') {
      const bound = sinceStartQuery(builder, planCase.filter.since, horizon).compile();
      const explained = await explain(client, bound.sql, bound.parameters);
      boundPlan = `${explained.plan}\n`;
      boundMs = explained.executionMs;
      const { rows: found } = await client.query<{ start: string | null }>(bound.sql, [...bound.parameters]);
      if (found[0]?.start) after = { transactionId: found[0].start, globalPosition: '0' };
    }
    const page = eventPageQuery(builder, planCase.filter, after, horizon, planCase.limit ?? 100).compile();
    const explained = await explain(client, page.sql, page.parameters);
    const returned = Number(
      /^Limit .*actual time=[\d.]+\.\.[\d.]+ rows=(\d+)/m.exec(explained.plan)?.[1] ?? Number.NaN,
    );
    results.push({
      name: planCase.name,
      plan: `${boundPlan}${explained.plan}`,
      executionMs: boundMs + explained.executionMs,
      rows: returned,
    });
  }
  return results;
}

async function explain(
  client: pg.Client,
  sql: string,
  parameters: readonly unknown[],
): Promise<{ plan: string; executionMs: number }> {
  const explained = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, [
    ...parameters,
  ]);
  const plan = explained.rows.map((row) => row['QUERY PLAN']).join('\n');
  return { plan, executionMs: Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? Number.NaN) };
}

/** The filters the audit API is used with, over data from {@link loadSyntheticEvents}. */
export async function standardPlanCases(client: pg.Client): Promise<PlanCase[]> {
  const { rows } = await client.query<{ transaction_id: string; global_position: string; trace_id: string }>(
    `SELECT transaction_id::text, global_position::text, trace_id FROM audit_events
     WHERE subject = 'user-42@example.com' ORDER BY transaction_id, global_position OFFSET 50 LIMIT 1`,
  );
  const middle = rows[0]!;
  const now = Date.now();
  return [
    { name: 'no filter, first page', filter: {} },
    { name: 'subject', filter: { subject: 'user-42@example.com' } },
    {
      name: 'subject, next page (cursor)',
      filter: { subject: 'user-42@example.com' },
      after: { transactionId: middle.transaction_id, globalPosition: middle.global_position },
    },
    { name: 'type tool.call.denied', filter: { types: ['tool.call.denied'] } },
    { name: 'types login.failed + auth.rejected', filter: { types: ['login.failed', 'auth.rejected'] } },
    { name: 'client_id', filter: { clientId: 'mcp-inspector' } },
    { name: 'tool', filter: { toolName: 'get_confidential_info' } },
    { name: 'decision deny', filter: { decision: 'deny' } },
    { name: 'reason', filter: { reasonCode: 'ERR_TOKEN_SIGNATURE_INVALID' } },
    { name: 'trace_id', filter: { traceId: middle.trace_id } },
    { name: 'policy_version', filter: { policyVersion: 'v5' } },
    { name: 'since 24h', filter: { since: new Date(now - 86_400_000) } },
    { name: 'since 7d', filter: { since: new Date(now - 7 * 86_400_000) } },
    {
      name: 'subject + deny + since 7d',
      filter: { subject: 'user-42@example.com', decision: 'deny', since: new Date(now - 7 * 86_400_000) },
    },
    {
      name: 'tool + since 24h',
      filter: { toolName: 'get_confidential_info', since: new Date(now - 86_400_000) },
    },
  ];
}
