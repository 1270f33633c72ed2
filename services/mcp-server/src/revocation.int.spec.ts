import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { signAccessToken } from '../../shared/auth/index.js';
import type { RunningService } from '../../shared/runtime/index.js';
import { freePort, startTestStack, type TestStack } from '../../shared/testing/start-test-stack.js';
import { startTcpProxy, type TcpProxy } from '../../shared/testing/tcp-proxy.js';
import { startMcpServer } from './server.js';

// Two MCP replicas on one database: A connects directly, B through a proxy the test can cut.
let stack: TestStack;
let proxy: TcpProxy;
let replicaB: RunningService;
let replicaBUrl: string;

beforeAll(async () => {
  stack = await startTestStack({ REVOCATION_POLL_INTERVAL_MS: '300', REVOCATION_MAX_STALENESS_MS: '1500' });
  const target = new URL(stack.database.url);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const port = await freePort();
  replicaBUrl = `http://127.0.0.1:${port}/mcp`;
  replicaB = await startMcpServer({
    env: {
      APP_ENV: 'test',
      DATABASE_URL: proxy.rewrite(stack.database.url),
      DATA_DIR: stack.dataDir,
      LOG_LEVEL: 'silent',
      PORT: String(port),
      INSTANCE_ID: 'mcp-replica-b',
      TOKEN_ISSUER_URL: stack.tokenServiceUrl,
      MCP_RESOURCE_URL: stack.mcpUrl,
      REVOCATION_POLL_INTERVAL_MS: '300',
      REVOCATION_MAX_STALENESS_MS: '1500',
    },
  });
});

afterAll(async () => {
  proxy?.restore();
  await replicaB?.close();
  await proxy?.close();
  await stack?.close();
});

async function list(url: string, token: string): Promise<{ status: number; error?: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });
  const body = (await response.json()) as { error?: unknown };
  return { status: response.status, error: typeof body.error === 'string' ? body.error : undefined };
}

function revoke(data: { revokedTokenId?: string; revokedSubject?: string; revokedBefore?: string }) {
  return stack.store.append({
    type: 'token.revoked',
    service: 'token-service',
    instanceId: 'test',
    actor: { subject: 'security@example.com' },
    data: { reason: 'test', ...data },
  });
}

const tokenIdOf = (token: string) =>
  (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { jti: string }).jti;

describe('revocation reaches every replica', () => {
  it('refuses a revoked token on both replicas, and records each refusal', async () => {
    const token = await stack.mint({ sub: 'revoked-one@example.com', scopes: ['public:read'] });
    const other = await stack.mint({ sub: 'revoked-one@example.com', scopes: ['public:read'] });
    expect((await list(stack.mcpUrl, token)).status).toBe(200);
    expect((await list(replicaBUrl, token)).status).toBe(200);

    await revoke({ revokedTokenId: tokenIdOf(token) });

    for (const url of [stack.mcpUrl, replicaBUrl]) {
      await vi.waitFor(
        async () => expect(await list(url, token)).toEqual({ status: 401, error: 'ERR_TOKEN_REVOKED' }),
        {
          timeout: 5000,
          interval: 20,
        },
      );
      expect((await list(url, other)).status).toBe(200);
    }
    const refusals = await stack.store.query({ type: 'auth.rejected', tokenId: tokenIdOf(token) });
    expect(new Set(refusals.map((e) => e.instanceId))).toEqual(new Set(['mcp-test', 'mcp-replica-b']));
    expect(refusals.every((e) => e.reasonCode === 'ERR_TOKEN_REVOKED')).toBe(true);
  });

  it('revokes every token a subject was issued before the revocation, and none issued after', async () => {
    const issuedAt = new Date();
    const before = await stack.mint({ sub: 'leaver@example.com', scopes: ['public:read'] });
    await revoke({ revokedSubject: 'leaver@example.com', revokedBefore: issuedAt.toISOString() });
    const after = await signAccessToken(
      {
        subject: 'leaver@example.com',
        scopes: ['public:read'],
        clientId: 'test-client',
        audience: stack.mcpUrl,
        issuer: stack.tokenServiceUrl,
        ttlSeconds: 300,
        policyVersion: '2',
        now: new Date(issuedAt.getTime() + 2000),
      },
      stack.keys.current,
    );
    for (const url of [stack.mcpUrl, replicaBUrl]) {
      await vi.waitFor(async () => expect((await list(url, before)).error).toBe('ERR_TOKEN_REVOKED'), {
        timeout: 5000,
        interval: 20,
      });
      expect((await list(url, after)).status).toBe(200);
    }
  });

  it('catches up after its LISTEN connection is cut, refusing everything while stale', async () => {
    const token = await stack.mint({ sub: 'cut@example.com', scopes: ['public:read'] });
    expect((await list(replicaBUrl, token)).status).toBe(200);

    proxy.cut('reset');
    await revoke({ revokedTokenId: tokenIdOf(token) });
    // Replica A hears of it at once; B cannot, so once its feed is stale it refuses everything.
    await vi.waitFor(async () => expect((await list(stack.mcpUrl, token)).error).toBe('ERR_TOKEN_REVOKED'), {
      timeout: 5000,
      interval: 20,
    });
    await vi.waitFor(
      async () =>
        expect(await list(replicaBUrl, token)).toEqual({ status: 503, error: 'ERR_REVOCATION_FEED_STALE' }),
      { timeout: 10_000, interval: 50 },
    );
    const ready = await fetch(new URL('/ready', replicaBUrl));
    expect(ready.status).toBe(503);

    proxy.restore();
    await vi.waitFor(async () => expect((await list(replicaBUrl, token)).error).toBe('ERR_TOKEN_REVOKED'), {
      timeout: 10_000,
      interval: 50,
    });
    await vi.waitFor(async () => expect((await fetch(new URL('/ready', replicaBUrl))).status).toBe(200), {
      timeout: 10_000,
      interval: 50,
    });
  });
});
