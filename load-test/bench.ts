/**
 * `npm run bench [-- --quick] [-- --json] [-- --runtime tsx] [-- --client undici]`: builds the
 * services (`npm run build`; `--runtime tsx` runs the sources instead), then runs this project's MCP
 * server (token verification, policy, durable audit to a fresh database of the local PostgreSQL)
 * side by side with a baseline built the way the MCP SDK documents a stateless server
 * (`baseline-server.ts`: no auth, no audit). First the audit append rate through the real write
 * path, then the same tools/call load on both servers, alternating, at 1, 16 and 64 concurrent
 * clients (from raw keep-alive sockets; `--client undici` for undici), then revocation propagation
 * across two replicas and cold start. Figures, not assertions. See load-test/README.md.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { type DatabaseHandle, openDatabase } from '../services/shared/db/index.js';
import { createEventStore } from '../services/shared/event-store/index.js';
import { freePort } from '../services/shared/testing/free-port.js';
import { type AppendPhaseResult, appendPhase, benchEvent } from './lib/audit-append.js';
import { type ChildServer, hasTaskset, pinSelf, startChildServer } from './lib/child-server.js';
import { type ClosedLoopResult, closedLoop, mergeRounds } from './lib/closed-loop.js';
import { measureColdStart } from './lib/cold-start.js';
import { createFreshDatabase } from './lib/fresh-database.js';
import {
  compiledEntries,
  imageNodeOptions,
  type LocalStack,
  mcpServerEntry,
  startLocalStack,
  tokenServiceEntry,
} from './lib/local-stack.js';
import { McpHttpClient, type McpSender } from './lib/mcp-http-client.js';
import { postgresCpuMsBetween, samplePostgresCpu } from './lib/postgres-cpu.js';
import { RawMcpClient } from './lib/raw-http-client.js';
import { measureRevocationLatency, type RevocationLatencyResult } from './lib/revocation-latency.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    seconds: { type: 'string' },
    rounds: { type: 'string' },
    revocations: { type: 'string' },
    sections: { type: 'string', default: 'throughput,audit,revocation,cold-start' },
    runtime: { type: 'string', default: 'compiled' },
    client: { type: 'string', default: 'raw' },
  },
  strict: true,
});
const quick = values.quick;
const phaseMs = Number(values.seconds ?? (quick ? 0.6 : 3)) * 1_000;
const rounds = Number(values.rounds ?? (quick ? 1 : 2));
const warmupMs = quick ? 300 : 1_500;
const concurrencies = [1, 16, 64];
const revocationCount = Number(values.revocations ?? (quick ? 10 : 120));
const coldStartRuns = quick ? 1 : 3;
const appendProducers = quick ? [64] : [16, 64, 256, 1024];
const appendMs = quick ? 500 : 2_000;
// Load generator (this process) on CPU 0, each server under test alone on CPU 1.
const serverCpus = '1';
const sections = new Set(values.sections.split(','));
const log = (line: string) => process.stderr.write(`${line}\n`);
if (values.runtime !== 'compiled' && values.runtime !== 'tsx') {
  throw new Error(`--runtime must be compiled or tsx, got ${JSON.stringify(values.runtime)}`);
}
if (values.client !== 'raw' && values.client !== 'undici') {
  throw new Error(`--client must be raw or undici, got ${JSON.stringify(values.client)}`);
}
// The throughput phases' load generator: keep-alive sockets with a minimal parser (the default), or
// undici, which costs this process two to three times more CPU per request on the core it shares with
// PostgreSQL.
const loadClient = (url: string, connections: number): McpSender =>
  values.client === 'raw' ? new RawMcpClient({ url, connections }) : new McpHttpClient({ url, connections });
// As the image runs them: compiled by `npm run build` (the default), or TypeScript through tsx.
const compiled = values.runtime === 'compiled';
const entries = compiled
  ? { ...compiledEntries('dist'), baseline: 'dist/load-test/baseline-server.js' }
  : { mcpServer: mcpServerEntry, tokenService: tokenServiceEntry, baseline: 'load-test/baseline-server.ts' };

interface ThroughputRow {
  readonly concurrency: number;
  readonly baseline: ClosedLoopResult;
  readonly project: ClosedLoopResult;
  /** Server CPU time per answered request, µs. */
  readonly baselineCpuUs: number | undefined;
  readonly projectCpuUs: number | undefined;
  /** PostgreSQL and load generator CPU per answered request, µs, during each server's phases. */
  readonly postgresCpuUs: Readonly<Record<'baseline' | 'project', number | undefined>>;
  readonly loadGeneratorCpuUs: Readonly<Record<'baseline' | 'project', number | undefined>>;
  readonly baselinePeakRssKib: number | undefined;
  readonly projectPeakRssKib: number | undefined;
  /** Project over baseline req/s of each round, the two phases of a round run back to back. */
  readonly roundRatios: readonly number[];
}

const toolCall = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'get_public_info', arguments: {} },
});

async function main(): Promise<void> {
  const pinned = pinSelf('0');
  const loadBefore = loadavg();
  log(
    `bench: ${quick ? 'quick smoke run' : `${phaseMs / 1_000} s × ${rounds} rounds per server and concurrency`}; ` +
      `${pinned ? 'load generator on CPU 0, servers on CPU 1 (taskset)' : 'taskset unavailable: processes are not pinned'}`,
  );
  if (compiled) {
    log('bench: npm run build (servers run compiled, as in the image)');
    const build = spawnSync(process.execPath, ['scripts/build.mjs', 'dist', 'tsconfig.bench.json'], {
      stdio: 'inherit',
    });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  // The database first: the append phases measure the writer and PostgreSQL alone.
  const freshDatabase = await createFreshDatabase('bench');
  let stackToClose: LocalStack | undefined;
  let database: DatabaseHandle | undefined;
  // Housekeeping between sections (vacuum, waiting for the sealer), as the database owner.
  const owner = new pg.Client({ connectionString: freshDatabase.url });
  const children: ChildServer[] = [];
  try {
    await owner.connect();
    if (sections.has('audit'))
      log('  audit append through the group-commit writer (before any server starts)');
    const appendResults: AppendPhaseResult[] = [];
    database = await openDatabase({
      url: freshDatabase.url,
      dataDir: '.data',
      appRole: 'mcp_app',
      poolSize: 16,
    });
    const store = createEventStore({ database });
    try {
      // No server is under test here: the writer (this process) and PostgreSQL are, and they share
      // both cores, as an MCP server and its database would on this machine. Back to CPU 0 after.
      if (pinned) pinSelf('0,1');
      await appendPhase('warm-up', 16, quick ? 200 : 500, (p, n) => store.append(benchEvent(p, n)));
      for (const producers of sections.has('audit') ? appendProducers : []) {
        appendResults.push(
          await appendPhase('group commit', producers, appendMs, (p, n) => store.append(benchEvent(p, n))),
        );
      }
      if (pinned) pinSelf('0');

      // The append phases run first, on an empty log, before the token service (whose sealer reads
      // and hashes new rows every 10 s) and the servers start. Their rows would wake autovacuum
      // during the throughput phases, so the log is vacuumed now, before anything is timed again.
      if (appendResults.length > 0) await vacuumLog(owner);
      const appendedUpTo = await lastTransactionId(owner);
      const stack = await startLocalStack({
        prefix: 'bench',
        tokenServiceCpus: hasTaskset() ? '0' : undefined,
        entries,
        database: freshDatabase,
      });
      stackToClose = stack;
      // The token service's sealer starts by sealing the rows appended above; wait for that
      // (at most one seal interval and a bit) so it does not run during the timed phases.
      if (appendResults.length > 0 && appendedUpTo !== undefined) {
        log('  waiting for the sealer to checkpoint the appended rows');
        await waitForSeal(owner, appendedUpTo, 60_000);
      }
      const baselinePort = await freePort();
      const baseline = await startChildServer({
        name: 'baseline',
        entry: entries.baseline,
        env: { PORT: String(baselinePort) },
        baseUrl: `http://127.0.0.1:${baselinePort}`,
        cpus: serverCpus,
      });
      children.push(baseline);
      const project = await stack.startMcpServer({ name: 'mcp-bench-a', cpus: serverCpus });
      const token = await stack.mint({ sub: 'bench@example.com', scopes: ['public:read'] });
      const send = { token, protocolVersion: '2025-11-25' };

      const throughput: ThroughputRow[] = [];
      for (const concurrency of sections.has('throughput') ? concurrencies : []) {
        const clients = {
          baseline: loadClient(`${baseline.baseUrl}/mcp`, concurrency),
          project: loadClient(project.url, concurrency),
        };
        const results: Record<'baseline' | 'project', ClosedLoopResult[]> = { baseline: [], project: [] };
        const cpuMs = { baseline: 0, project: 0 };
        // What the rest of the machine spent per phase: the load generator (this process) and
        // PostgreSQL. Only the project uses the database, but both share the two cores with them.
        const postgresMs = { baseline: 0, project: 0 };
        const loadGeneratorMs = { baseline: 0, project: 0 };
        const servers = { baseline, project: project.server };
        for (const name of ['baseline', 'project'] as const) {
          await closedLoop({
            client: clients[name],
            concurrency,
            durationMs: warmupMs,
            message: toolCall,
            send,
          });
        }
        for (let round = 0; round < rounds; round++) {
          // Alternate which server goes first, so drift in machine load hits both alike.
          const order =
            round % 2 === 0 ? (['baseline', 'project'] as const) : (['project', 'baseline'] as const);
          for (const name of order) {
            log(`  ${concurrency} clients, round ${round + 1}/${rounds}: ${name}`);
            const cpuBefore = await servers[name].cpuTimeMs();
            const postgresBefore = await samplePostgresCpu();
            const loadGeneratorBefore = process.cpuUsage();
            results[name].push(
              await closedLoop({
                client: clients[name],
                concurrency,
                durationMs: phaseMs,
                message: toolCall,
                send,
              }),
            );
            const loadGenerator = process.cpuUsage(loadGeneratorBefore);
            loadGeneratorMs[name] += (loadGenerator.user + loadGenerator.system) / 1_000;
            postgresMs[name] += postgresCpuMsBetween(postgresBefore, await samplePostgresCpu()) ?? Number.NaN;
            cpuMs[name] += ((await servers[name].cpuTimeMs()) ?? Number.NaN) - (cpuBefore ?? Number.NaN);
          }
        }
        await clients.baseline.close();
        await clients.project.close();
        const merged = { baseline: mergeRounds(results.baseline), project: mergeRounds(results.project) };
        const perRequest = (
          name: 'baseline' | 'project',
          ms: Record<'baseline' | 'project', number> = cpuMs,
        ) =>
          Number.isFinite(ms[name]) && merged[name].ok > 0 ? (ms[name] * 1_000) / merged[name].ok : undefined;
        throughput.push({
          concurrency,
          baseline: merged.baseline,
          project: merged.project,
          baselineCpuUs: perRequest('baseline'),
          projectCpuUs: perRequest('project'),
          postgresCpuUs: {
            baseline: perRequest('baseline', postgresMs),
            project: perRequest('project', postgresMs),
          },
          loadGeneratorCpuUs: {
            baseline: perRequest('baseline', loadGeneratorMs),
            project: perRequest('project', loadGeneratorMs),
          },
          roundRatios: results.project.map(
            (round, i) => round.rps / Math.max(1e-9, results.baseline[i]!.rps),
          ),
          baselinePeakRssKib: await baseline.peakRssKib(),
          projectPeakRssKib: await project.server.peakRssKib(),
        });
      }

      let revocation: RevocationLatencyResult | undefined;
      if (sections.has('revocation')) {
        log(`  revocation propagation: ${revocationCount} revocations, two replicas`);
        const replicaB = await stack.startMcpServer({ name: 'mcp-bench-b' });
        children.push(replicaB.server);
        const replicas = [
          new McpHttpClient({ url: project.url, connections: 2 }),
          new McpHttpClient({ url: replicaB.url, connections: 2 }),
        ];
        revocation = await measureRevocationLatency({
          count: revocationCount,
          replicas,
          store,
          mint: async (n) => {
            const jwt = await stack.mint({ sub: `revoked-${n}@example.com`, scopes: ['public:read'] });
            const claims = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as {
              jti: string;
            };
            return { token: jwt, tokenId: claims.jti };
          },
        });
        await Promise.all(replicas.map((r) => r.close()));
        await replicaB.server.stop();
      }

      if (sections.has('cold-start')) log('  cold start to /ready');
      const coldRuns = sections.has('cold-start') ? coldStartRuns : 0;
      const projectCold = await measureColdStart({
        runs: coldRuns,
        entry: entries.mcpServer,
        cpus: serverCpus,
        env: (port) => ({ ...stack.mcpEnv, PORT: String(port), INSTANCE_ID: `cold-${port}` }),
      });
      const baselineCold = await measureColdStart({
        runs: coldRuns,
        entry: entries.baseline,
        cpus: serverCpus,
        env: (port) => ({ PORT: String(port) }),
      });
      const loadAfter = loadavg();
      const summary: Summary = {
        machine: {
          pinned,
          loadAverageBefore: loadBefore.map((v) => Math.round(v * 100) / 100),
          loadAverageAfter: loadAfter.map((v) => Math.round(v * 100) / 100),
          node: process.version,
          runtime: values.runtime,
          client: values.client,
        },
        throughput: throughput.map((row) => ({
          concurrency: row.concurrency,
          baseline: brief(row.baseline),
          project: brief(row.project),
          ratio: round(row.project.rps / Math.max(1e-9, row.baseline.rps), 2),
          p99Ratio: round(row.project.latencyMs.p99 / Math.max(1e-9, row.baseline.latencyMs.p99), 2),
          roundRatios: row.roundRatios.map((ratio) => round(ratio, 2)),
          baselineCpuUsPerRequest:
            row.baselineCpuUs === undefined ? undefined : Math.round(row.baselineCpuUs),
          projectCpuUsPerRequest: row.projectCpuUs === undefined ? undefined : Math.round(row.projectCpuUs),
          postgresCpuUsPerRequest: roundEach(row.postgresCpuUs),
          loadGeneratorCpuUsPerRequest: roundEach(row.loadGeneratorCpuUs),
          baselinePeakRssMib: mib(row.baselinePeakRssKib),
          projectPeakRssMib: mib(row.projectPeakRssKib),
        })),
        auditAppend: appendResults.map((r) => ({
          producers: r.producers,
          eventsPerSecond: Math.round(r.eventsPerSecond),
          commitP50Ms: round(r.p50Ms, 2),
          commitP99Ms: round(r.p99Ms, 2),
        })),
        revocation: revocation === undefined ? undefined : briefRevocation(revocation),
        coldStartMs: { project: projectCold.map(Math.round), baseline: baselineCold.map(Math.round) },
      };
      if (values.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else process.stdout.write(`${formatSummary(summary)}\n`);
    } finally {
      await store.close();
    }
  } finally {
    await database?.close();
    await owner.end().catch(() => {});
    await Promise.all(children.map((child) => child.stop()));
    if (stackToClose) await stackToClose.close();
    else await freshDatabase.drop();
  }
}

/** The newest transaction id in the audit log (text), or undefined when it is empty. */
async function lastTransactionId(owner: pg.Client): Promise<string | undefined> {
  const { rows } = await owner.query<{ id: string | null }>(
    'SELECT max(transaction_id)::text AS id FROM audit_events',
  );
  return rows[0]?.id ?? undefined;
}

/** Resolves once a checkpoint seals up to `transactionId`, or after `timeoutMs` (then says so). */
async function waitForSeal(owner: pg.Client, transactionId: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const { rows } = await owner.query<{ sealed: boolean | null }>(
      'SELECT max(last_transaction_id) >= $1::xid8 AS sealed FROM audit_checkpoints',
      [transactionId],
    );
    if (rows[0]?.sealed) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  log(`  the sealer had not sealed the appended rows within ${timeoutMs / 1_000} s; going on`);
}

/** VACUUM (ANALYZE) of the audit log as its owner: leaves autovacuum nothing to do for a while. */
async function vacuumLog(owner: pg.Client): Promise<void> {
  await owner.query('VACUUM (ANALYZE) audit_events');
}

function brief(result: ClosedLoopResult) {
  return {
    requests: result.requests,
    rps: Math.round(result.rps),
    p50Ms: round(result.latencyMs.p50, 2),
    p99Ms: round(result.latencyMs.p99, 2),
    errors: result.errors,
  };
}

function briefRevocation(result: RevocationLatencyResult) {
  return {
    revocations: result.revocations,
    missed: result.missed,
    afterCommitMs: {
      p50: round(result.afterCommitMs.p50, 1),
      p99: round(result.afterCommitMs.p99, 1),
      max: round(result.afterCommitMs.max, 1),
    },
    afterAppendMs: { p50: round(result.afterAppendMs.p50, 1), p99: round(result.afterAppendMs.p99, 1) },
  };
}

interface ThroughputSummaryRow {
  readonly concurrency: number;
  readonly baseline: ReturnType<typeof brief>;
  readonly project: ReturnType<typeof brief>;
  readonly ratio: number;
  readonly p99Ratio: number;
  readonly roundRatios: readonly number[];
  readonly baselineCpuUsPerRequest: number | undefined;
  readonly projectCpuUsPerRequest: number | undefined;
  readonly postgresCpuUsPerRequest: Readonly<Record<'baseline' | 'project', number | undefined>>;
  readonly loadGeneratorCpuUsPerRequest: Readonly<Record<'baseline' | 'project', number | undefined>>;
  readonly baselinePeakRssMib: number | undefined;
  readonly projectPeakRssMib: number | undefined;
}

interface Summary {
  readonly machine: {
    pinned: boolean;
    loadAverageBefore: number[];
    loadAverageAfter: number[];
    node: string;
    runtime: string;
    /** The throughput phases' HTTP client: `raw` sockets or `undici`. */
    client: string;
  };
  readonly throughput: readonly ThroughputSummaryRow[];
  readonly auditAppend: readonly {
    producers: number;
    eventsPerSecond: number;
    commitP50Ms: number;
    commitP99Ms: number;
  }[];
  readonly revocation: ReturnType<typeof briefRevocation> | undefined;
  readonly coldStartMs: { project: number[]; baseline: number[] };
}

function formatSummary(s: Summary): string {
  const lines: string[] = [];
  const pad = (v: string | number | undefined, n: number) => String(v ?? '?').padStart(n);
  lines.push(
    `Machine: Node ${s.machine.node}, servers ${s.machine.runtime === 'compiled' ? 'compiled (npm run build)' : 'through tsx'} ` +
      `(the project's with the image's NODE_OPTIONS=${imageNodeOptions}, the baseline with Node's defaults), ${s.machine.pinned ? 'servers pinned to CPU 1, load on CPU 0' : 'not pinned'}, ` +
      `load from ${s.machine.client === 'raw' ? 'keep-alive sockets (--client raw)' : 'undici (--client undici)'}; ` +
      `load average ${s.machine.loadAverageBefore.join(' ')} before, ${s.machine.loadAverageAfter.join(' ')} after ` +
      '(other work on the machine makes every figure noisy; server CPU per request is the least noisy).',
  );
  if (s.throughput.length > 0) {
    lines.push(
      '',
      'tools/call get_public_info — project (verify + policy + durable audit) vs SDK baseline (no auth, no audit)',
      `${pad('clients', 7)} ${pad('base req/s', 10)} ${pad('proj req/s', 10)} ${pad('ratio', 6)}  ${pad('p50 base', 8)} ${pad('p50 proj', 8)} ${pad('p99 base', 8)} ${pad('p99 proj', 8)} ${pad('p99 ratio', 9)}  ${pad('CPU µs/req base', 15)} ${pad('proj', 5)}  ${pad('peak RSS base', 13)} ${pad('proj', 8)}`,
    );
    for (const row of s.throughput) {
      lines.push(
        `${pad(row.concurrency, 7)} ${pad(row.baseline.rps, 10)} ${pad(row.project.rps, 10)} ${pad(`${row.ratio.toFixed(2)}×`, 6)}  ${pad(row.baseline.p50Ms.toFixed(2), 8)} ${pad(row.project.p50Ms.toFixed(2), 8)} ${pad(row.baseline.p99Ms.toFixed(2), 8)} ${pad(row.project.p99Ms.toFixed(2), 8)} ${pad(`${row.p99Ratio.toFixed(2)}×`, 9)}  ${pad(row.baselineCpuUsPerRequest, 15)} ${pad(row.projectCpuUsPerRequest, 5)}  ${pad(`${row.baselinePeakRssMib ?? '?'} MiB`, 13)} ${pad(`${row.projectPeakRssMib ?? '?'} MiB`, 8)}`,
      );
      const errors = { ...prefix('baseline', row.baseline.errors), ...prefix('project', row.project.errors) };
      if (Object.keys(errors).length > 0) lines.push(`        errors: ${JSON.stringify(errors)}`);
    }
    lines.push(
      '  machine CPU per request, µs (server + PostgreSQL + load generator; two cores shared by all three):',
    );
    for (const row of s.throughput) {
      const total = (server?: number, postgres?: number, load?: number) =>
        server === undefined || postgres === undefined || load === undefined
          ? '?'
          : String(server + postgres + load);
      lines.push(
        `  ${pad(row.concurrency, 5)} clients: baseline ${row.baselineCpuUsPerRequest ?? '?'} + ${row.postgresCpuUsPerRequest.baseline ?? '?'} + ${row.loadGeneratorCpuUsPerRequest.baseline ?? '?'} = ${total(row.baselineCpuUsPerRequest, row.postgresCpuUsPerRequest.baseline, row.loadGeneratorCpuUsPerRequest.baseline)}; ` +
          `project ${row.projectCpuUsPerRequest ?? '?'} + ${row.postgresCpuUsPerRequest.project ?? '?'} + ${row.loadGeneratorCpuUsPerRequest.project ?? '?'} = ${total(row.projectCpuUsPerRequest, row.postgresCpuUsPerRequest.project, row.loadGeneratorCpuUsPerRequest.project)}`,
      );
    }
    const at64 = s.throughput.find((row) => row.concurrency === 64);
    if (at64) {
      lines.push(
        `  target at 64 clients: ratio ≥ 2.00× (measured ${at64.ratio.toFixed(2)}×; round by round ${at64.roundRatios.map((r) => r.toFixed(2)).join(', ')}), p99 ≤ 0.70× baseline (measured ${at64.p99Ratio.toFixed(2)}×), ` +
          `peak RSS ≤ baseline (${at64.projectPeakRssMib ?? '?'} vs ${at64.baselinePeakRssMib ?? '?'} MiB; peak over the whole run so far)`,
      );
      // What 2× would take at the CPU per request just measured: the server has one core of its own,
      // and all three share the machine's two.
      const rate = 2 * at64.baseline.rps;
      const server = at64.projectCpuUsPerRequest;
      const postgres = at64.postgresCpuUsPerRequest.project;
      const load = at64.loadGeneratorCpuUsPerRequest.project;
      if (server !== undefined && postgres !== undefined && load !== undefined) {
        lines.push(
          `  at 2× the baseline's rate (${rate} req/s) the project's server would need ${Math.round((rate * server) / 10_000)} % of its core, ` +
            `and server, PostgreSQL and load generator together ${((rate * (server + postgres + load)) / 1e6).toFixed(2)} of the 2 cores`,
        );
      }
    }
  }
  if (s.auditAppend.length > 0) {
    lines.push(
      '',
      'Audit append through the group-commit writer (synchronous_commit on, one event per append)',
    );
    for (const r of s.auditAppend) {
      lines.push(
        `  ${pad(r.producers, 4)} producers: ${pad(r.eventsPerSecond, 7)} events/s, commit p50 ${r.commitP50Ms.toFixed(2)} ms, p99 ${r.commitP99Ms.toFixed(2)} ms`,
      );
    }
    lines.push(
      `  target: ≥ 30000 events/s (best measured ${Math.max(...s.auditAppend.map((r) => r.eventsPerSecond))})`,
    );
  }
  const rv = s.revocation;
  if (rv) {
    lines.push(
      '',
      `Revocation propagation, two replicas on one database (${rv.revocations} revocations, ${rv.missed} not seen within 5 s)`,
      `  commit → refused by both: p50 ${rv.afterCommitMs.p50} ms, p99 ${rv.afterCommitMs.p99} ms, max ${rv.afterCommitMs.max} ms` +
        ` (append called → refused: p50 ${rv.afterAppendMs.p50} ms, p99 ${rv.afterAppendMs.p99} ms); target p99 ≤ 250 ms`,
    );
  }
  if (s.coldStartMs.project.length > 0) {
    lines.push(
      '',
      `Cold start to /ready: project ${s.coldStartMs.project.join(', ')} ms; baseline ${s.coldStartMs.baseline.join(', ')} ms`,
    );
  }
  return lines.join('\n');
}

function prefix(name: string, errors: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(errors).map(([k, v]) => [`${name} ${k}`, v]));
}

function roundEach(
  values: Readonly<Record<'baseline' | 'project', number | undefined>>,
): Record<'baseline' | 'project', number | undefined> {
  const whole = (v: number | undefined) =>
    v === undefined || !Number.isFinite(v) ? undefined : Math.round(v);
  return { baseline: whole(values.baseline), project: whole(values.project) };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function mib(kib: number | undefined): number | undefined {
  return kib === undefined ? undefined : Math.round(kib / 1024);
}

// Ctrl-C: exit (status 130) so the exit hook stops the servers this run started.
process.once('SIGINT', () => process.exit(130));
await main();
