import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildServer, startChildServer } from '../../load-test/lib/child-server.js';
import { createPrng } from '../../load-test/lib/prng.js';
import { signAccessToken } from '../shared/auth/index.js';
import { freePort } from '../shared/testing/free-port.js';
import { entries, type FaultStack, type LoggedEvent, startFaultStack } from './fault-stack.js';
import { type FuzzCase, mcpFuzzCases, tokenServiceFuzzCases } from './fuzz-cases.js';

const seed = Number(process.env.FUZZ_SEED || 20_251_129);
const mcpCases = Number(process.env.FUZZ_MCP_CASES || 1_500);
const tokenServiceCases = Number(process.env.FUZZ_TOKEN_SERVICE_CASES || 600);
const bodyLimit = 65_536;
// Designed 5xx answers: the store could not commit in time, or a dependency is unavailable.
const designed5xx = new Set([
  'ERR_AUDIT_UNAVAILABLE',
  'ERR_AUDIT_OVERLOADED',
  'ERR_REVOCATION_FEED_STALE',
  'ERR_KEYS_UNAVAILABLE',
  'ERR_LOGIN_UPSTREAM_INVALID',
  'ERR_LOGIN_UPSTREAM_UNAVAILABLE',
]);

interface FuzzResult {
  readonly fuzz: FuzzCase;
  readonly status: number;
  readonly text: string;
  readonly error: string | undefined;
}

/**
 * A body over the limit refused (413) before it was read, the connection closed while the client was
 * still sending it: a server may do that (RFC 9110 §15.5.14), and the client then sees EPIPE or
 * ECONNRESET instead of the 413. Every other request must get an answer.
 */
function refusedUpload(result: FuzzResult): boolean {
  return (
    (result.error === 'EPIPE' || result.error === 'ECONNRESET') && (result.fuzz.body?.length ?? 0) > bodyLimit
  );
}

let stack: FaultStack;
let mcp: { server: ChildServer; url: string };
let devIdp: ChildServer;

beforeAll(async () => {
  // The token service's /auth/* routes need their upstream IdP: the dev IdP stands in for it.
  const idpPort = await freePort();
  const idpUrl = `http://127.0.0.1:${idpPort}`;
  // Every rejection individual (no folding), so each 401 can be matched to its event by trace id.
  stack = await startFaultStack({
    AUTH_REJECTION_BURST: '10000',
    BODY_LIMIT_BYTES: String(bodyLimit),
    OIDC_ISSUER: idpUrl,
  });
  devIdp = await startChildServer({
    name: 'dev-idp',
    entry: 'services/dev-idp/src/server.ts',
    env: {
      APP_ENV: 'test',
      LOG_LEVEL: 'silent',
      PORT: String(idpPort),
      OIDC_ISSUER: idpUrl,
      DATA_DIR: stack.dataDir,
    },
    baseUrl: idpUrl,
    readyPath: '/.well-known/openid-configuration',
    readyTimeoutMs: 60_000,
  });
  mcp = await stack.startMcpServer({ name: 'mcp-fuzzed', entry: entries.mcpServer });
}, 120_000);

afterAll(async () => {
  await devIdp?.stop();
  await stack?.close();
}, 60_000);

async function run(baseUrl: string, cases: readonly FuzzCase[], concurrency = 8): Promise<FuzzResult[]> {
  const agent = new Agent({ connections: concurrency, headersTimeout: 20_000, bodyTimeout: 20_000 });
  const results: FuzzResult[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < cases.length) {
        const fuzz = cases[next++]!;
        try {
          const response = await request(new URL(fuzz.path, baseUrl), {
            dispatcher: agent,
            method: fuzz.method as 'POST',
            headers: fuzz.headers,
            body: fuzz.body,
          });
          results.push({
            fuzz,
            status: response.statusCode,
            text: await response.body.text(),
            error: undefined,
          });
        } catch (error) {
          results.push({
            fuzz,
            status: 0,
            text: '',
            error: (error as { code?: string }).code ?? String(error),
          });
        }
      }
    }),
  );
  await agent.close();
  return results;
}

function unexpected5xx(results: readonly FuzzResult[]): string[] {
  return results
    .filter((r) => r.status >= 500)
    .filter((r) => {
      const code = safeJson(r.text)?.error;
      return !(typeof code === 'string' && designed5xx.has(code));
    })
    .map((r) => `${r.status} for ${r.fuzz.description}: ${r.text.slice(0, 200)}`);
}

function safeJson(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function byTrace(events: readonly LoggedEvent[]): Map<string, LoggedEvent[]> {
  const map = new Map<string, LoggedEvent[]>();
  for (const event of events) {
    if (!event.traceId) continue;
    map.set(event.traceId, [...(map.get(event.traceId) ?? []), event]);
  }
  return map;
}

describe('fuzzing the MCP endpoint', () => {
  it('answers malformed input without an undesigned 5xx or a crash, and loses no event', async () => {
    const good = [
      (await stack.mint({ sub: 'fuzz-reader@example.com', scopes: ['public:read'] })).token,
      (await stack.mint({ sub: 'fuzz-strategist@example.com', scopes: ['public:read', 'confidential:read'] }))
        .token,
      (await stack.mint({ sub: 'fuzz-none@example.com', scopes: [] })).token,
    ];
    const bad = [
      'x',
      (await stack.mint({ sub: 'fuzz-expired@example.com', scopes: [], ttlSeconds: 1 })).token,
    ];
    const cases = mcpFuzzCases(createPrng(seed), mcpCases, {
      path: new URL(mcp.url).pathname,
      host: new URL(mcp.url).host,
      tokens: { good, bad },
      bodyLimit,
    });
    const started = Date.now();
    const results = await run(mcp.server.baseUrl, cases);
    const elapsedMs = Date.now() - started;
    const health = await fetch(new URL('/health', mcp.server.baseUrl));
    const ready = await fetch(new URL('/ready', mcp.server.baseUrl));
    const traces = byTrace(await stack.events());

    const lost: string[] = [];
    for (const result of results) {
      const traceId = result.fuzz.traceId;
      if (!traceId) continue;
      const events = traces.get(traceId) ?? [];
      if (result.status === 401 && !events.some((e) => e.type === 'auth.rejected')) {
        lost.push(`401 without auth.rejected: ${result.fuzz.description}`);
      }
      if (
        result.status === 403 &&
        !events.some((e) => e.type === 'auth.rejected' || e.type === 'tool.call.denied')
      ) {
        lost.push(`403 without its event: ${result.fuzz.description}`);
      }
      const message = result.fuzz.message;
      const answer = safeJson(result.text) as { result?: { isError?: boolean }; error?: unknown } | undefined;
      if (
        result.status === 200 &&
        message?.method === 'tools/call' &&
        answer?.result &&
        !answer.result.isError
      ) {
        const types = events.map((e) => e.type).sort();
        if (types.join() !== 'tool.call.allowed,tool.call.completed')
          lost.push(`call ${result.fuzz.description}: ${types.join()}`);
      }
      if (result.status === 200 && message?.method === 'tools/list' && answer?.result) {
        if (!events.some((e) => e.type === 'tools.listed'))
          lost.push(`tools/list without tools.listed: ${result.fuzz.description}`);
      }
    }
    const statuses: Record<string, number> = {};
    for (const r of results)
      statuses[r.status || r.error || '?'] = (statuses[r.status || r.error || '?'] ?? 0) + 1;
    console.log(JSON.stringify({ scenario: 'fuzz /mcp', seed, cases: results.length, elapsedMs, statuses }));

    expect(results).toHaveLength(cases.length);
    expect(unexpected5xx(results)).toEqual([]);
    expect(lost).toEqual([]);
    expect(mcp.server.process.exitCode).toBeNull();
    expect(health.status).toBe(200);
    expect(ready.status).toBe(200);
    // The client never failed to get an answer (no hang, no dropped connection mid-request).
    expect(
      results
        .filter((r) => r.status === 0 && !refusedUpload(r))
        .map((r) => `${r.error}: ${r.fuzz.description}`),
    ).toEqual([]);
  }, 120_000);
});

describe('fuzzing the token service', () => {
  it('answers malformed input without an undesigned 5xx or a crash, and records what it issued and revoked', async () => {
    const adminSecret = (await readFile(join(stack.dataDir, 'dev-admin-secret'), 'utf8')).trim();
    const apiTokens = [
      await signAccessToken(
        {
          subject: 'security@example.com',
          scopes: ['tokens:revoke', 'audit:read'],
          clientId: 'fuzz',
          audience: stack.tokenServiceUrl,
          issuer: stack.tokenServiceUrl,
          ttlSeconds: 600,
          policyVersion: '2',
        },
        stack.keys.current,
      ),
      await signAccessToken(
        {
          subject: 'alice@example.com',
          scopes: ['public:read'],
          clientId: 'fuzz',
          audience: stack.tokenServiceUrl,
          issuer: stack.tokenServiceUrl,
          ttlSeconds: 600,
          policyVersion: '2',
        },
        stack.keys.current,
      ),
    ];
    const cases = tokenServiceFuzzCases(createPrng(seed + 1), tokenServiceCases, {
      adminSecret,
      apiTokens,
      resourceUrl: stack.resourceUrl,
      issuerUrl: stack.tokenServiceUrl,
    });
    const results = await run(stack.tokenServiceUrl, cases);
    const health = await fetch(new URL('/health', stack.tokenServiceUrl));
    const events = await stack.events();
    const issued = new Set(events.filter((e) => e.type === 'token.issued').map((e) => e.tokenId));
    const revoked = new Set(events.filter((e) => e.type === 'token.revoked').map((e) => e.eventId));
    const lost: string[] = [];
    for (const result of results) {
      const body = safeJson(result.text);
      if (result.fuzz.path === '/dev/tokens' && result.status === 201 && !issued.has(String(body?.jti))) {
        lost.push(`token ${String(body?.jti)} issued without token.issued`);
      }
      if (
        result.fuzz.path === '/admin/revocations' &&
        result.status === 200 &&
        !revoked.has(String(body?.event_id))
      ) {
        lost.push(`revocation answered without its token.revoked event ${String(body?.event_id)}`);
      }
    }
    const statuses: Record<string, number> = {};
    for (const r of results) {
      const key = `${r.fuzz.path.split('?')[0]} ${r.status || r.error}`;
      statuses[key] = (statuses[key] ?? 0) + 1;
    }
    console.log(JSON.stringify({ scenario: 'fuzz token service', seed, cases: results.length, statuses }));

    expect(unexpected5xx(results)).toEqual([]);
    expect(lost).toEqual([]);
    expect(
      results
        .filter((r) => r.status === 0 && !refusedUpload(r))
        .map((r) => `${r.error}: ${r.fuzz.description}`),
    ).toEqual([]);
    expect(stack.tokenService.process.exitCode).toBeNull();
    expect(health.status).toBe(200);
    // The fuzz reached the routes that write events.
    expect(results.some((r) => r.fuzz.path === '/dev/tokens' && r.status === 201)).toBe(true);
  }, 120_000);
});
