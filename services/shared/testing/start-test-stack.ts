import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMcpServer } from '../../mcp-server/src/server.js';
import { startTokenService } from '../../token-service/src/server.js';
import { loadOrCreateSigningKeys, type SigningKeys, signAccessToken } from '../auth/index.js';
import type { EventStore } from '../event-store/index.js';
import type { RunningService } from '../runtime/index.js';
import { openAuditStore } from '../runtime/index.js';
import { freePort } from './free-port.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export { freePort };

/** A token service and an MCP server on loopback over a fresh migrated database. */
export interface TestStack {
  readonly mcpUrl: string;
  readonly tokenServiceUrl: string;
  readonly dataDir: string;
  readonly database: TestDatabase;
  /** A reader/writer on the same database, for assertions. */
  readonly store: EventStore;
  readonly keys: SigningKeys;
  readonly mcp: RunningService;
  readonly tokenService: RunningService;
  /** Signs a valid access token for this stack (no event: tests of the data plane only). */
  mint(options: { sub: string; scopes: readonly string[]; ttlSeconds?: number }): Promise<string>;
  /** A fresh W3C traceparent, so a test can find exactly the events of its own requests. */
  traceparent(): { header: string; traceId: string };
  close(): Promise<void>;
}

export async function startTestStack(env: Readonly<Record<string, string>> = {}): Promise<TestStack> {
  const database = await createTestDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), 'mcp-stack-'));
  const [mcpPort, tokenPort] = [await freePort(), await freePort()];
  const tokenServiceUrl = `http://127.0.0.1:${tokenPort}`;
  const mcpUrl = `http://127.0.0.1:${mcpPort}/mcp`;
  const base = {
    APP_ENV: 'test',
    DATABASE_URL: database.url,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    TOKEN_ISSUER_URL: tokenServiceUrl,
    MCP_RESOURCE_URL: mcpUrl,
    ...env,
  };
  const tokenService = await startTokenService({
    env: { ...base, PORT: String(tokenPort), INSTANCE_ID: 'ts-test' },
  });
  const mcp = await startMcpServer({ env: { ...base, PORT: String(mcpPort), INSTANCE_ID: 'mcp-test' } });
  const reader = await openAuditStore({
    appEnv: 'test',
    instanceId: 'test-reader',
    host: '127.0.0.1',
    logLevel: 'silent',
    dataDir,
    databaseUrl: database.url,
    databaseAppRole: 'mcp_app',
    policyDir: 'policies',
    policyVersion: undefined,
    auditCommitDeadlineMs: 2000,
    auditConcurrentFlushes: 2,
  });
  const keys = await loadOrCreateSigningKeys(join(dataDir, 'keys'));
  return {
    mcpUrl,
    tokenServiceUrl,
    dataDir,
    database,
    store: reader.store,
    keys,
    mcp,
    tokenService,
    mint: ({ sub, scopes, ttlSeconds = 300 }) =>
      signAccessToken(
        {
          subject: sub,
          scopes,
          clientId: 'test-client',
          audience: mcpUrl,
          issuer: tokenServiceUrl,
          ttlSeconds,
          policyVersion: '2',
        },
        keys.current,
      ),
    traceparent: () => {
      const traceId = randomBytes(16).toString('hex');
      return { header: `00-${traceId}-${randomBytes(8).toString('hex')}-01`, traceId };
    },
    close: async () => {
      await mcp.close();
      await tokenService.close();
      await reader.close();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
