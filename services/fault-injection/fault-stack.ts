import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type ChildServer, startChildServer } from '../../load-test/lib/child-server.js';
import { loadOrCreateSigningKeys, type SigningKeys, signAccessToken } from '../shared/auth/index.js';
import { freePort } from '../shared/testing/free-port.js';
import type { Mark } from './marking-mcp-server.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from './throwaway-postgres.js';

export const entries = {
  mcpServer: 'services/mcp-server/src/server.ts',
  markingMcpServer: 'services/fault-injection/marking-mcp-server.ts',
  tokenService: 'services/token-service/src/server.ts',
} as const;

/** An audit row as the reconciliation reads it. */
export interface LoggedEvent {
  readonly globalPosition: number;
  readonly eventId: string;
  readonly type: string;
  readonly instanceId: string;
  readonly traceId: string | null;
  readonly jsonRpcId: string | null;
  readonly tokenId: string | null;
  readonly toolName: string | null;
  readonly reasonCode: string | null;
  readonly mcpMethod: string | null;
  readonly data: Record<string, unknown>;
  /** Database clock (transaction start), epoch milliseconds. */
  readonly recordedAt: number;
}

/** A minted token and its id. */
export interface Minted {
  readonly token: string;
  readonly tokenId: string;
  readonly scopes: readonly string[];
}

/** A throwaway PostgreSQL, a token service and MCP server processes for one fault-injection spec. */
export interface FaultStack {
  readonly postgres: ThrowawayPostgres;
  readonly databaseUrl: string;
  readonly dataDir: string;
  readonly tokenService: ChildServer;
  readonly tokenServiceUrl: string;
  readonly resourceUrl: string;
  readonly markFile: string;
  readonly keys: SigningKeys;
  /** Starts an MCP server process (the marking wrapper by default) serving the stack's resource. */
  startMcpServer(options?: {
    name?: string;
    entry?: string;
    /** Listen on this port (default: the resource URL's port for the first, a free one after). */
    port?: number;
    env?: Readonly<Record<string, string>>;
  }): Promise<{ server: ChildServer; url: string; port: number }>;
  mint(options: { sub: string; scopes: readonly string[]; ttlSeconds?: number }): Promise<Minted>;
  /** Every audit row, in position order (read as the owner, straight from the database). */
  events(): Promise<LoggedEvent[]>;
  /** Every line of the mark file. */
  marks(): Promise<Mark[]>;
  close(): Promise<void>;
}

/** Starts a {@link FaultStack}; `env` is added to every server's environment. */
export async function startFaultStack(env: Readonly<Record<string, string>> = {}): Promise<FaultStack> {
  const postgres = await startThrowawayPostgres();
  const dataDir = await mkdtemp(join(tmpdir(), 'fault-stack-'));
  const servers: ChildServer[] = [];
  try {
    const databaseUrl = await postgres.createDatabase(`fault_${randomBytes(3).toString('hex')}`);
    const keys = await loadOrCreateSigningKeys(join(dataDir, 'keys'));
    const tokenPort = await freePort();
    const tokenServiceUrl = `http://127.0.0.1:${tokenPort}`;
    let resourcePort: number | undefined = await freePort();
    const resourceUrl = `http://127.0.0.1:${resourcePort}/mcp`;
    const markFile = join(dataDir, 'marks.ndjson');
    const base = {
      APP_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      TOKEN_ISSUER_URL: tokenServiceUrl,
      MCP_RESOURCE_URL: resourceUrl,
      FAULT_MARK_FILE: markFile,
      ...env,
    };
    const tokenService = await startChildServer({
      name: 'token-service',
      entry: entries.tokenService,
      env: { ...base, PORT: String(tokenPort), INSTANCE_ID: 'fault-token-service' },
      baseUrl: tokenServiceUrl,
      readyTimeoutMs: 60_000,
    });
    servers.push(tokenService);
    let instances = 0;
    return {
      postgres,
      databaseUrl,
      dataDir,
      tokenService,
      tokenServiceUrl,
      resourceUrl,
      markFile,
      keys,
      async startMcpServer(options = {}) {
        const port = options.port ?? resourcePort ?? (await freePort());
        if (options.port === undefined) resourcePort = undefined;
        const name = options.name ?? `mcp-${++instances}`;
        const server = await startChildServer({
          name,
          entry: options.entry ?? entries.markingMcpServer,
          env: { ...base, PORT: String(port), INSTANCE_ID: name, ...options.env },
          baseUrl: `http://127.0.0.1:${port}`,
          readyTimeoutMs: 60_000,
        });
        servers.push(server);
        return { server, url: `http://127.0.0.1:${port}/mcp`, port };
      },
      async mint({ sub, scopes, ttlSeconds = 900 }) {
        const token = await signAccessToken(
          {
            subject: sub,
            scopes,
            clientId: 'fault-injection',
            audience: resourceUrl,
            issuer: tokenServiceUrl,
            ttlSeconds,
            policyVersion: '2',
          },
          keys.current,
        );
        const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
          jti: string;
        };
        return { token, tokenId: claims.jti, scopes };
      },
      events: () => readEvents(databaseUrl),
      async marks() {
        const text = await readFile(markFile, 'utf8').catch(() => '');
        return text
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => JSON.parse(line) as Mark);
      },
      async close() {
        await Promise.all(servers.map((server) => server.stop('SIGTERM', 5_000)));
        await postgres.destroy();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all(servers.map((server) => server.stop('SIGKILL')));
    await postgres.destroy();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** Reads the whole log (as the owner) for reconciliation. */
export async function readEvents(databaseUrl: string): Promise<LoggedEvent[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{
      global_position: string;
      event_id: string;
      event_type: string;
      instance_id: string;
      trace_id: string | null;
      jsonrpc_id: string | null;
      token_id: string | null;
      tool_name: string | null;
      reason_code: string | null;
      mcp_method: string | null;
      data: Record<string, unknown>;
      recorded_at: Date;
    }>(
      `SELECT global_position, event_id, event_type, instance_id, trace_id, jsonrpc_id, token_id, tool_name,
              reason_code, mcp_method, data, recorded_at
         FROM audit_events ORDER BY global_position`,
    );
    return rows.map((row) => ({
      globalPosition: Number(row.global_position),
      eventId: row.event_id,
      type: row.event_type,
      instanceId: row.instance_id,
      traceId: row.trace_id,
      jsonRpcId: row.jsonrpc_id,
      tokenId: row.token_id,
      toolName: row.tool_name,
      reasonCode: row.reason_code,
      mcpMethod: row.mcp_method,
      data: row.data,
      recordedAt: row.recorded_at.getTime(),
    }));
  } finally {
    await client.end();
  }
}
