import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { cacheVerifiedTokens, createAccessTokenVerifier, remoteJwks } from '../../shared/auth/index.js';
import { loadOrCreateSecret } from '../../shared/config/index.js';
import { RevocationFeed } from '../../shared/revocation/index.js';
import {
  activatePolicy,
  loggerOptions,
  openAuditStore,
  type RunningService,
  type StartOptions,
} from '../../shared/runtime/index.js';
import { registerRevocationFeedLag } from '../../shared/telemetry/index.js';
import { buildMcpApp } from './app.js';
import { loadMcpServerConfig } from './config.js';
import { loadDocumentTools } from './tools/document-tools.js';
import type { ToolDefinition } from './tools/tool-definition.js';

/** {@link startMcpServer}'s options: the common ones, and seams for harnesses (fault injection). */
export interface McpServerStartOptions extends StartOptions {
  /** Wraps the loaded tools (default: as loaded). */
  readonly tools?: (tools: readonly ToolDefinition[]) => readonly ToolDefinition[];
  /** Called with the built app before it listens (hooks can still be added). */
  readonly beforeListen?: (app: FastifyInstance) => void;
}

/**
 * Starts the MCP server: configuration, policy and documents are loaded and validated first, so a
 * bad value stops start-up with a message naming it; then it listens.
 */
export async function startMcpServer(options: McpServerStartOptions): Promise<RunningService> {
  const config = loadMcpServerConfig(options.env);
  const audit = options.audit ?? (await openAuditStore(config));
  const ownsAudit = options.audit === undefined;
  try {
    const policy = await activatePolicy(config, 'mcp-server', audit.store.append);
    const loaded = await loadDocumentTools(config.documentsDir);
    const tools = options.tools ? options.tools(loaded) : loaded;
    const hmacKey = await loadOrCreateSecret({
      name: 'AUDIT_HMAC_KEY',
      value: config.auditHmacKey,
      file: join(config.dataDir, 'audit-hmac.key'),
    });
    const jwksHost = new URL(config.jwksUrl).hostname;
    // Plain http only for keys fetched inside the cluster network (a Service name) or in development;
    // never for an IP literal (an IPv6 one has no dot either).
    const serviceName =
      /^[a-z0-9-]+$/i.test(jwksHost) || /^[a-z0-9.-]+\.svc\.cluster\.local$/i.test(jwksHost);
    const allowHttp = config.appEnv !== 'production' || serviceName;
    const jwks = remoteJwks(config.jwksUrl, { allowHttp });
    const verifier = createAccessTokenVerifier({
      keys: jwks,
      issuer: config.tokenIssuerUrl,
      audience: config.resourceUrl,
      clockToleranceSeconds: config.clockToleranceSeconds,
      maxTokenBytes: config.maxTokenBytes,
    });
    const revocations = new RevocationFeed({
      database: audit.database,
      pollIntervalMs: config.revocationPollIntervalMs,
      maxStalenessMs: config.revocationMaxStalenessMs,
      // A failed sync is retried at the next poll; staleness shows in /ready and refusals.
      onError: (error) =>
        app?.log.warn({ err: error, lagMs: revocations.lagMs() }, 'revocation feed sync failed'),
    });
    let app: FastifyInstance | undefined;
    app = await buildMcpApp({
      config,
      version: options.version ?? '0.1.0',
      store: audit.store,
      policy,
      // Revocation and scope checks still run on every request; only the signature check is reused.
      verify: cacheVerifiedTokens(verifier.verify, { maxEntries: config.verifiedTokenCacheSize }),
      keysReady: jwks.ready,
      checkRevoked: (claims) => (revocations.isRevoked(claims) ? 'ERR_TOKEN_REVOKED' : undefined),
      revocationsFresh: () => revocations.fresh(),
      readiness: { revocations: () => revocations.fresh() },
      tools,
      hmacKey,
      logger: loggerOptions('mcp-server', config),
    });
    await revocations.start();
    const stopLagGauge = registerRevocationFeedLag(() => revocations.lagMs() / 1000);
    for (const tool of policy.tools.keys()) {
      if (!tools.some((t) => t.name === tool))
        app.log.warn({ tool }, 'policy lists a tool this server does not have');
    }
    options.beforeListen?.(app);
    await app.listen({ port: config.port, host: config.host });
    // Load the keys now so /ready reflects them; a failure here is retried on the first token.
    void jwks.warm();
    app.log.info(
      { resource: config.resourceUrl, policyVersion: policy.version, database: audit.database.kind },
      'MCP server ready',
    );
    return {
      url: config.resourceUrl,
      app,
      close: async () => {
        await app.close();
        stopLagGauge();
        await revocations.close();
        if (ownsAudit) await audit.close();
      },
    };
  } catch (error) {
    if (ownsAudit) await audit.close();
    throw error;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { runUntilSignal } = await import('../../shared/runtime/run-until-signal.js');
  await runUntilSignal('mcp-server', () => startMcpServer({ env: process.env }));
}
