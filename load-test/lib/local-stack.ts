import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadOrCreateSigningKeys,
  type SigningKeys,
  signAccessToken,
} from '../../services/shared/auth/index.js';
import { freePort } from '../../services/shared/testing/free-port.js';
import { type ChildServer, startChildServer } from './child-server.js';
import { createFreshDatabase, type FreshDatabase } from './fresh-database.js';

export const mcpServerEntry = 'services/mcp-server/src/server.ts';
export const tokenServiceEntry = 'services/token-service/src/server.ts';

/**
 * The `NODE_OPTIONS` the container image sets (its Dockerfile; a delivery test keeps the two equal):
 * the servers of a local stack run with them too, so the bench measures what ships.
 */
export const imageNodeOptions = '--max-semi-space-size=8';

/** The entry files of the server roles a stack runs: TypeScript sources, or a build of them. */
export interface StackEntries {
  readonly mcpServer: string;
  readonly tokenService: string;
}

/** The entries as `npm run build` compiles them into `outDir` (what the container image runs). */
export function compiledEntries(outDir = 'dist'): StackEntries {
  const js = (entry: string) => `${outDir}/${entry.replace(/\.ts$/, '.js')}`;
  return { mcpServer: js(mcpServerEntry), tokenService: js(tokenServiceEntry) };
}

/** A token service and MCP server processes on a fresh database of the local PostgreSQL. */
export interface LocalStack {
  readonly database: FreshDatabase;
  readonly dataDir: string;
  readonly tokenService: ChildServer;
  readonly tokenServiceUrl: string;
  /** The canonical MCP resource URL (token audience) every MCP server of the stack shares. */
  readonly resourceUrl: string;
  readonly keys: SigningKeys;
  /** Environment every MCP server of this stack shares (add PORT, MCP_RESOURCE_URL, INSTANCE_ID). */
  readonly mcpEnv: Readonly<Record<string, string>>;
  /**
   * Starts one more MCP server process. The first one listens on the resource URL's port; later ones
   * (replicas) on ports of their own, serving the same resource.
   */
  startMcpServer(options: {
    name: string;
    cpus?: string;
    env?: Readonly<Record<string, string>>;
  }): Promise<{ server: ChildServer; url: string }>;
  /** Signs an access token for the resource locally with the token service's key (no event). */
  mint(options: { sub: string; scopes: readonly string[]; ttlSeconds?: number }): Promise<string>;
  close(): Promise<void>;
}

/** Starts a {@link LocalStack}: database, signing keys, token service (on `tokenServiceCpus`). */
export async function startLocalStack(options: {
  prefix: string;
  /** PostgreSQL to create the database on (default `DATABASE_URL`, else the local one). */
  adminUrl?: string;
  tokenServiceCpus?: string;
  env?: Readonly<Record<string, string>>;
  /** Default: the TypeScript sources (run through tsx). */
  entries?: StackEntries;
  /** A migrated database to use (and drop on close) instead of creating one. */
  database?: FreshDatabase;
}): Promise<LocalStack> {
  const entries = options.entries ?? { mcpServer: mcpServerEntry, tokenService: tokenServiceEntry };
  const database = options.database ?? (await createFreshDatabase(options.prefix, options.adminUrl));
  const dataDir = await mkdtemp(join(tmpdir(), `${options.prefix}-`));
  const servers: ChildServer[] = [];
  try {
    // The token service loads this same file, so tokens signed here verify against its JWKS.
    const keys = await loadOrCreateSigningKeys(join(dataDir, 'keys'));
    const tokenPort = await freePort();
    const tokenServiceUrl = `http://127.0.0.1:${tokenPort}`;
    let resourcePort: number | undefined = await freePort();
    const resourceUrl = `http://127.0.0.1:${resourcePort}/mcp`;
    const base = {
      NODE_OPTIONS: imageNodeOptions,
      APP_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      TOKEN_ISSUER_URL: tokenServiceUrl,
      MCP_RESOURCE_URL: resourceUrl,
      ...options.env,
    };
    const tokenService = await startChildServer({
      name: 'token-service',
      entry: entries.tokenService,
      env: { ...base, PORT: String(tokenPort), INSTANCE_ID: 'bench-token-service' },
      baseUrl: tokenServiceUrl,
      cpus: options.tokenServiceCpus,
    });
    servers.push(tokenService);
    return {
      database,
      dataDir,
      tokenService,
      tokenServiceUrl,
      resourceUrl,
      keys,
      mcpEnv: base,
      async startMcpServer({ name, cpus, env }) {
        const port = resourcePort ?? (await freePort());
        resourcePort = undefined;
        const url = `http://127.0.0.1:${port}/mcp`;
        const server = await startChildServer({
          name,
          entry: entries.mcpServer,
          env: {
            ...base,
            PORT: String(port),
            INSTANCE_ID: name,
            ...env,
          },
          baseUrl: `http://127.0.0.1:${port}`,
          cpus,
        });
        servers.push(server);
        return { server, url };
      },
      mint: ({ sub, scopes, ttlSeconds = 3_600 }) =>
        signAccessToken(
          {
            subject: sub,
            scopes,
            clientId: 'bench',
            audience: resourceUrl,
            issuer: tokenServiceUrl,
            ttlSeconds,
            policyVersion: '2',
          },
          keys.current,
        ),
      async close() {
        await Promise.all(servers.map((server) => server.stop()));
        await database.drop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all(servers.map((server) => server.stop('SIGKILL')));
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
