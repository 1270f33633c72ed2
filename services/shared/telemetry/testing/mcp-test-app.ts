import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildMcpApp } from '../../../mcp-server/src/app.js';
import { loadMcpServerConfig } from '../../../mcp-server/src/config.js';
import type { ToolDefinition } from '../../../mcp-server/src/tools/tool-definition.js';
import {
  createAccessTokenVerifier,
  loadOrCreateSigningKeys,
  localJwks,
  signAccessToken,
} from '../../auth/index.js';
import { loadPolicies } from '../../policy/index.js';
import { type AuditStore, loggerOptions, openAuditStore } from '../../runtime/index.js';
import { createTestDatabase } from '../../testing/test-database.js';

const resourceUrl = 'http://127.0.0.1:8080/mcp';
const issuer = 'http://127.0.0.1:8081';

/** An MCP server app (no port: `inject`) over a fresh migrated database, with two document tools. */
export interface McpTestApp {
  readonly app: FastifyInstance;
  readonly audit: AuditStore;
  token(subject: string, scopes: string[]): Promise<string>;
  /**
   * POSTs one `tools/call` (id 7) with an optional `traceparent` header and `params._meta`, from
   * `remoteAddress` (default 127.0.0.1).
   */
  callTool(
    name: string,
    options: { bearer: string; traceparent?: string; meta?: Record<string, string>; remoteAddress?: string },
  ): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

const tools: ToolDefinition[] = [
  {
    name: 'get_public_info',
    title: 'public',
    description: 'public information',
    run: async () => ({ content: [{ type: 'text', text: 'public' }] }),
  },
  {
    name: 'get_confidential_info',
    title: 'confidential',
    description: 'confidential information',
    run: async () => ({ content: [{ type: 'text', text: 'secret' }] }),
  },
];

/** Builds the app; `logStream` receives its JSON log lines (level info). */
export async function startMcpTestApp(options: { logStream?: Writable } = {}): Promise<McpTestApp> {
  const database = await createTestDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), 'mcp-telemetry-'));
  const keys = await loadOrCreateSigningKeys(dataDir);
  const config = loadMcpServerConfig({
    APP_ENV: 'test',
    MCP_RESOURCE_URL: resourceUrl,
    TOKEN_ISSUER_URL: issuer,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
  });
  const audit = await openAuditStore({ ...config, databaseUrl: database.url });
  const app = await buildMcpApp({
    config,
    version: 'test',
    store: audit.store,
    policy: loadPolicies({ dir: 'policies' }).active,
    verify: createAccessTokenVerifier({ keys: localJwks(keys.publicJwks()), issuer, audience: resourceUrl })
      .verify,
    keysReady: () => true,
    tools,
    hmacKey: Buffer.alloc(32, 7),
    logger: options.logStream
      ? { ...(loggerOptions('mcp-server', config) as object), stream: options.logStream }
      : false,
  });
  return {
    app,
    audit,
    token: (subject, scopes) =>
      signAccessToken(
        {
          subject,
          scopes,
          clientId: 'c',
          audience: resourceUrl,
          issuer,
          ttlSeconds: 300,
          policyVersion: '2',
        },
        keys.current,
      ),
    callTool: (name, call) =>
      app.inject({
        method: 'POST',
        url: '/mcp',
        ...(call.remoteAddress ? { remoteAddress: call.remoteAddress } : {}),
        headers: {
          host: '127.0.0.1:8080',
          authorization: `Bearer ${call.bearer}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...(call.traceparent ? { traceparent: call.traceparent } : {}),
        },
        payload: {
          jsonrpc: '2.0',
          id: 7,
          method: 'tools/call',
          params: { name, arguments: {}, ...(call.meta ? { _meta: call.meta } : {}) },
        },
      }),
    close: async () => {
      await app.close();
      await audit.close();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
