import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createAccessTokenVerifier,
  loadOrCreateSigningKeys,
  localJwks,
  type SigningKeys,
  signAccessToken,
} from '../../shared/auth/index.js';
import { loadPolicies } from '../../shared/policy/index.js';
import { type AuditStore, openAuditStore } from '../../shared/runtime/index.js';
import { startTcpProxy, type TcpProxy } from '../../shared/testing/tcp-proxy.js';
import { createTestDatabase, type TestDatabase } from '../../shared/testing/test-database.js';
import { buildMcpApp } from './app.js';
import { loadMcpServerConfig } from './config.js';
import type { ToolDefinition } from './tools/tool-definition.js';

const resourceUrl = 'http://127.0.0.1:8080/mcp';
const issuer = 'http://127.0.0.1:8081';

let database: TestDatabase;
let proxy: TcpProxy;
let audit: AuditStore;
let keys: SigningKeys;
let dataDir: string;
let app: FastifyInstance;
/** Side effects outside the database: proves what actually ran. */
let runs: number;

async function buildApp(
  env: Record<string, string> = {},
  logger?: { level: string; stream: Writable },
): Promise<FastifyInstance> {
  const config = loadMcpServerConfig({
    APP_ENV: 'test',
    MCP_RESOURCE_URL: resourceUrl,
    TOKEN_ISSUER_URL: issuer,
    ...env,
  });
  const counting: ToolDefinition = {
    name: 'get_public_info',
    title: 'counting tool',
    description: 'counts its runs',
    run: async () => {
      runs += 1;
      return { content: [{ type: 'text', text: `run ${runs}` }] };
    },
  };
  const jwks = localJwks(keys.publicJwks());
  return buildMcpApp({
    config,
    version: 'test',
    store: audit.store,
    policy: loadPolicies({ dir: 'policies' }).active,
    verify: createAccessTokenVerifier({ keys: jwks, issuer, audience: resourceUrl }).verify,
    keysReady: () => true,
    tools: [counting],
    hmacKey: Buffer.alloc(32, 7),
    ...(logger ? { logger } : {}),
  });
}

beforeEach(async () => {
  runs = 0;
  database = await createTestDatabase();
  const url = new URL(database.url);
  proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
  dataDir = await mkdtemp(join(tmpdir(), 'fail-closed-'));
  keys = await loadOrCreateSigningKeys(dataDir);
  audit = await openAuditStore({
    ...loadMcpServerConfig({ APP_ENV: 'test', DATA_DIR: dataDir }),
    databaseUrl: proxy.rewrite(database.url),
    auditCommitDeadlineMs: 500,
  });
  app = await buildApp();
});

afterEach(async () => {
  await app.close();
  proxy.restore();
  await audit.close();
  await proxy.close();
  await database.drop();
  await rm(dataDir, { recursive: true, force: true });
});

async function token(sub: string, scopes: string[]): Promise<string> {
  return signAccessToken(
    {
      subject: sub,
      scopes,
      clientId: 'c',
      audience: resourceUrl,
      issuer,
      ttlSeconds: 300,
      policyVersion: '2',
    },
    keys.current,
  );
}

function call(bearer: string, id = 1) {
  return app.inject({
    method: 'POST',
    url: '/mcp',
    headers: {
      host: '127.0.0.1:8080',
      authorization: `Bearer ${bearer}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    payload: { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'get_public_info', arguments: {} } },
  });
}

describe('fail closed when the audit log is unavailable', () => {
  it('runs no tool while the database is unreachable, turns /ready false, and recovers by itself', async () => {
    const bearer = await token('outage@example.com', ['public:read']);
    expect((await call(bearer, 1)).statusCode).toBe(200);
    expect(runs).toBe(1);

    proxy.cut('blackhole');
    const started = Date.now();
    const refused = await call(bearer, 2);
    expect(refused.statusCode).toBe(503);
    expect(refused.json()).toMatchObject({ error: 'ERR_AUDIT_UNAVAILABLE' });
    // The deadline bounds the wait: no request hangs on a dead database.
    expect(Date.now() - started).toBeLessThan(5000);
    expect(runs).toBe(1);
    const notReady = await app.inject({ method: 'GET', url: '/ready' });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toMatchObject({ checks: { database: false } });

    proxy.restore();
    await vi.waitFor(
      async () => expect((await app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200),
      {
        timeout: 10_000,
        interval: 100,
      },
    );
    expect((await call(bearer, 3)).statusCode).toBe(200);
    expect(runs).toBe(2);

    const events = await audit.store.query({ subject: 'outage@example.com' });
    const completed = events.filter((e) => e.type === 'tool.call.completed');
    const allowed = events.filter((e) => e.type === 'tool.call.allowed');
    expect(completed).toHaveLength(runs);
    // Every run has its committed allow; no allow was acknowledged to a caller without its outcome.
    expect(allowed.map((e) => e.jsonRpcId).sort()).toEqual(['1', '3']);
  });

  it('refuses unauthenticated requests with 503 rather than an unrecorded 401 while the log is down', async () => {
    proxy.cut('reset');
    const response = await app.inject({
      method: 'POST',
      url: '/mcp',
      headers: { host: '127.0.0.1:8080', 'content-type': 'application/json' },
      payload: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
    });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ error: 'ERR_AUDIT_UNAVAILABLE' });
  });
});

describe('unauthenticated floods', () => {
  it('folds rejections beyond the burst into counted events, accounting for every one', async () => {
    await app.close();
    const lines: { level: number; msg: string; count?: number; reason?: string }[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    app = await buildApp({ AUTH_REJECTION_BURST: '5' }, { level: 'info', stream });
    const attempts = 300;
    const statuses = await Promise.all(
      Array.from({ length: attempts }, () =>
        app.inject({
          method: 'POST',
          url: '/mcp',
          headers: {
            host: '127.0.0.1:8080',
            authorization: 'Bearer not-a-jwt',
            'content-type': 'application/json',
          },
          payload: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
        }),
      ),
    );
    expect(statuses.every((response) => response.statusCode === 401)).toBe(true);
    await app.close(); // flushes the folded counts
    const events = await audit.store.query({ type: 'auth.rejected', reasonCode: 'ERR_TOKEN_MALFORMED' });
    expect(events.length).toBeLessThanOrEqual(6);
    expect(events.reduce((sum, event) => sum + Number(event.data.count), 0)).toBe(attempts);
    // The log, too, stays bounded: a line for each individual event, one summary for the rest.
    expect(lines.filter((line) => line.msg === 'request rejected')).toHaveLength(5);
    const summaries = lines.filter((line) => line.msg.startsWith('refusals beyond the burst'));
    expect(summaries).toEqual([
      expect.objectContaining({ level: 40, reason: 'ERR_TOKEN_MALFORMED', count: attempts - 5 }),
    ]);
    // …and nothing else writes a line per refused request at info or above.
    expect(lines.filter((line) => line.level >= 30)).toHaveLength(5 + 1);
  });
});
