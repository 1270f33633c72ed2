import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadOrCreateSigningKeys, type SigningKeys, signAccessToken } from '../auth/index.js';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.js';
import { metricNames, spanNames } from './attributes.js';

/** The parts of an OTLP/HTTP JSON export request this test reads. */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
}
interface OtlpAttribute {
  key: string;
  value: { stringValue?: string };
}
interface OtlpTraces {
  resourceSpans: { resource: { attributes: OtlpAttribute[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
}
interface OtlpMetrics {
  resourceMetrics: { scopeMetrics: { metrics: { name: string }[] }[] }[];
}

const spanKindServer = 2;

let database: TestDatabase;
let dataDir: string;
let keys: SigningKeys;
let receiver: Server;
let server: ChildProcess;
let mcpUrl: string;
const instanceId = `otlp-e2e-${randomBytes(3).toString('hex')}`;
const exportedSpans: { span: OtlpSpan; resource: Record<string, string | undefined> }[] = [];
const exportedMetricNames = new Set<string>();
const stdoutLines: string[] = [];

/**
 * A minimal OTLP/HTTP receiver (JSON encoding) that also serves the JWKS the server verifies tokens
 * with, so the test needs no token service.
 */
async function startReceiver(): Promise<{ server: Server; url: string }> {
  const http = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (request.method === 'GET' && request.url === '/jwks.json') {
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify(keys.publicJwks()));
        return;
      }
      if (request.method === 'POST' && request.url === '/v1/traces') {
        for (const resourceSpans of (JSON.parse(body) as OtlpTraces).resourceSpans) {
          const resource = Object.fromEntries(
            resourceSpans.resource.attributes.map((a) => [a.key, a.value.stringValue]),
          );
          for (const scope of resourceSpans.scopeSpans)
            for (const span of scope.spans) exportedSpans.push({ span, resource });
        }
      } else if (request.method === 'POST' && request.url === '/v1/metrics') {
        for (const resourceMetrics of (JSON.parse(body) as OtlpMetrics).resourceMetrics)
          for (const scope of resourceMetrics.scopeMetrics)
            for (const metric of scope.metrics) exportedMetricNames.add(metric.name);
      } else {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const address = http.address() as { port: number };
  return { server: http, url: `http://127.0.0.1:${address.port}` };
}

/** A free loopback port (the server needs its resource URL before it listens). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = await mkdtemp(join(tmpdir(), 'otlp-e2e-'));
  keys = await loadOrCreateSigningKeys(join(dataDir, 'test-keys'));
  const started = await startReceiver();
  receiver = started.server;
  const port = await freePort();
  mcpUrl = `http://127.0.0.1:${port}/mcp`;
  server = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--import',
      './services/shared/telemetry/register.ts',
      'services/mcp-server/src/server.ts',
    ],
    {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        APP_ENV: 'test',
        PORT: String(port),
        INSTANCE_ID: instanceId,
        DATABASE_URL: database.url,
        DATA_DIR: dataDir,
        LOG_LEVEL: 'info',
        MCP_RESOURCE_URL: mcpUrl,
        TOKEN_ISSUER_URL: 'http://127.0.0.1:8081',
        JWKS_URL: `${started.url}/jwks.json`,
        OTEL_EXPORTER_OTLP_ENDPOINT: started.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
        OTEL_METRIC_EXPORT_INTERVAL: '300',
        // Folding starts after 3 individual rejections per source and reason (10 s windows).
        AUTH_REJECTION_BURST: '3',
      },
    },
  );
  let buffered = '';
  server.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    stdoutLines.push(...lines);
  });
  let stderr = '';
  server.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  await vi.waitFor(
    async () => {
      if (server.exitCode !== null) throw new Error(`server exited ${server.exitCode}: ${stderr}`);
      const health = await fetch(new URL('/health', mcpUrl));
      expect(health.status).toBe(200);
    },
    { timeout: 45_000, interval: 200 },
  );
}, 60_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  await new Promise((resolve) => receiver?.close(resolve));
  await database?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function tokenFor(subject: string): Promise<string> {
  return signAccessToken(
    {
      subject,
      scopes: ['public:read'],
      clientId: 'e2e',
      audience: mcpUrl,
      issuer: 'http://127.0.0.1:8081',
      ttlSeconds: 300,
      policyVersion: '2',
    },
    keys.current,
  );
}

function callTool(bearer: string, traceparent: string): Promise<Response> {
  return fetch(mcpUrl, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${bearer}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      traceparent,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'get_public_info', arguments: {} },
    }),
  });
}

describe('OTLP/HTTP export from a server started with register.ts', () => {
  it('exports the spans of a traced tools/call, in the caller trace that the audit event and log carry', async () => {
    const traceId = randomBytes(16).toString('hex');
    const parentSpanId = randomBytes(8).toString('hex');
    const response = await callTool(await tokenFor('otlp@example.com'), `00-${traceId}-${parentSpanId}-01`);
    expect(response.status).toBe(200);
    await response.text();

    const ofTrace = () => exportedSpans.filter(({ span }) => span.traceId === traceId);
    await vi.waitFor(() => expect(ofTrace().map(({ span }) => span.name)).toContain(spanNames.toolExecute), {
      timeout: 20_000,
      interval: 100,
    });
    const spans = ofTrace();
    const names = spans.map(({ span }) => span.name);
    for (const name of [
      spanNames.verifyToken,
      spanNames.mcpRequest,
      spanNames.decide,
      spanNames.auditAppend,
    ]) {
      expect(names).toContain(name);
    }
    // instrumentation-http: the server span continues the caller's span.
    const httpServer = spans.find(({ span }) => span.kind === spanKindServer);
    expect(httpServer?.span.parentSpanId).toBe(parentSpanId);
    expect(httpServer?.span.name).toMatch(/^POST/);
    // instrumentation-pg, loaded through ESM: the audit INSERT shows up in the request's trace.
    expect(names.some((name) => name.startsWith('pg.query'))).toBe(true);
    expect(httpServer?.resource).toMatchObject({
      'service.name': 'mcp-server',
      'service.instance.id': instanceId,
    });

    const handle = await database.open(null);
    const rows = await handle.execute<{ event_type: string; trace_id: string; span_id: string }>(
      `SELECT event_type, trace_id, span_id FROM audit_events WHERE subject = $1 ORDER BY global_position`,
      ['otlp@example.com'],
    );
    expect(rows.map((row) => row.event_type)).toEqual(['tool.call.allowed', 'tool.call.completed']);
    const spanIds = new Set(spans.map(({ span }) => span.spanId));
    for (const row of rows) {
      expect(row.trace_id).toBe(traceId);
      expect(spanIds.has(row.span_id)).toBe(true);
    }

    const logged = stdoutLines
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((entry) => entry.msg === 'request completed' && entry.method === 'tools/call');
    expect(logged).toMatchObject({ trace_id: traceId, status: 200 });
    expect(spanIds.has(String(logged?.span_id))).toBe(true);

    await vi.waitFor(() => expect([...exportedMetricNames]).toContain(metricNames.decisions), {
      timeout: 20_000,
      interval: 100,
    });
    expect([...exportedMetricNames]).toContain(metricNames.auditCommitDuration);
  });

  it('exports no spans for bad-token refusals folded under a flood, but for the window sample', async () => {
    const refusals = Array.from({ length: 12 }, () => randomBytes(16).toString('hex'));
    for (const traceId of refusals) {
      const response = await callTool('not-a-jwt', `00-${traceId}-${randomBytes(8).toString('hex')}-01`);
      expect(response.status).toBe(401);
      await response.text();
    }
    // Spans are exported in the order they end: once this later request's spans are out, so are theirs.
    const marker = randomBytes(16).toString('hex');
    const response = await callTool(
      await tokenFor('after-flood@example.com'),
      `00-${marker}-${'1'.repeat(16)}-01`,
    );
    expect(response.status).toBe(200);
    await response.text();
    await vi.waitFor(
      () =>
        expect(
          exportedSpans.some(({ span }) => span.traceId === marker && span.kind === spanKindServer),
        ).toBe(true),
      { timeout: 20_000, interval: 100 },
    );

    const handle = await database.open(null);
    const recorded = new Set(
      (
        await handle.execute<{ trace_id: string }>(
          `SELECT trace_id FROM audit_events WHERE event_type = 'auth.rejected' AND trace_id = ANY($1)`,
          [refusals],
        )
      ).map((row) => row.trace_id),
    );
    const spanCount = (traceId: string) =>
      exportedSpans.filter(({ span }) => span.traceId === traceId).length;
    const individual = refusals.filter((traceId) => recorded.has(traceId));
    const folded = refusals.filter((traceId) => !recorded.has(traceId));
    // The http server span, fastify's request span, auth.verify_token (and the INSERT of the event,
    // when its batch was flushed from this request).
    for (const traceId of individual) {
      const names = exportedSpans.filter(({ span }) => span.traceId === traceId).map(({ span }) => span.name);
      expect(names).toEqual(expect.arrayContaining(['request', spanNames.verifyToken]));
      expect(names.filter((name) => !name.startsWith('pg.'))).toHaveLength(3);
    }
    // 3 individual events per window, then the window's sample (traced), then nothing: at most two
    // windows in this test.
    expect(individual.length).toBeLessThanOrEqual(6);
    const sampled = folded.filter((traceId) => spanCount(traceId) > 0);
    expect(sampled.length).toBeGreaterThanOrEqual(1);
    expect(sampled.length).toBeLessThanOrEqual(2);
    expect(folded.length - sampled.length).toBeGreaterThanOrEqual(12 - 2 * 4);
  });
});
