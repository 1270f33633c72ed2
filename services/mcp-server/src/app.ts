import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { VerifyResult } from '../../shared/auth/index.js';
import type { ErrorCode } from '../../shared/errors/index.js';
import type { EventAppender, StoreHealth } from '../../shared/event-store/api.js';
import {
  healthRoute,
  installAccessLog,
  installErrorHandler,
  quietRequestLogging,
  type ReadinessChecks,
  RefusalRecorder,
} from '../../shared/http/index.js';
import type { Policy } from '../../shared/policy/index.js';
import { requestTrace } from '../../shared/telemetry/index.js';
import { DecisionRecorder } from './audit/decision-recorder.js';
import { Authenticator } from './auth/authenticate.js';
import { resourceMetadataUrl } from './auth/resource-metadata-url.js';
import type { McpServerConfig } from './config.js';
import { mcpLogFields } from './mcp/request-duration.js';
import { checkHostAndOrigin } from './routes/host-origin-guard.js';
import { mcpRoute } from './routes/mcp-route.js';
import { protectedResourceRoute } from './routes/protected-resource-route.js';
import type { ToolDefinition } from './tools/tool-definition.js';

/** Everything the MCP server app needs, built by `server.ts` (or a test) at start-up. */
export interface McpAppDeps {
  readonly config: McpServerConfig;
  readonly version: string;
  readonly store: { readonly append: EventAppender['append']; health(): StoreHealth };
  readonly policy: Policy;
  readonly verify: (token: string) => Promise<VerifyResult>;
  /** True once verification keys are loaded. */
  readonly keysReady: () => boolean;
  readonly checkRevoked?: (claims: {
    jti: string;
    sub: string;
    iat?: number | undefined;
  }) => ErrorCode | undefined;
  /** False when revocations may be missing (stale feed): every request is then refused (fail closed). */
  readonly revocationsFresh?: () => boolean;
  /** Extra readiness checks (e.g. revocation feed freshness). */
  readonly readiness?: ReadinessChecks;
  readonly tools: readonly ToolDefinition[];
  readonly hmacKey: Buffer;
  /** Logger options (pino through fastify); false or absent logs nothing (tests). */
  readonly logger?: FastifyServerOptions['logger'];
}

/** Builds the MCP server as a fastify app without listening (`server.ts` listens; tests inject). */
export async function buildMcpApp(deps: McpAppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    logger: deps.logger ?? false,
    // One access line per request instead (installAccessLog below); errors are logged by the error
    // handler (shared/http/error-handler.ts).
    logController: quietRequestLogging(),
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy.length > 0 ? [...config.trustProxy] : false,
    return503OnClosing: true,
  });
  const metadataUrl = resourceMetadataUrl(config.resourceUrl);
  const rejections = new RefusalRecorder({
    append: deps.store.append,
    burst: config.authRejectionBurst,
    globalBurst: config.authRejectionBurst * 50,
    windowMs: 10_000,
    onError: (error) => app.log.error({ err: error }, 'could not record folded auth rejections'),
    onFolded: ({ type, source, reasonCode, count }) =>
      app.log.warn(
        { event: `${type}.folded`, source, reason: reasonCode, count },
        'refusals beyond the burst, counted in one audit event',
      ),
  });
  app.addHook('onClose', async () => rejections.close());
  const policyRef = deps.policy.ref;
  const authenticator = new Authenticator({
    verify: deps.verify,
    checkRevoked: deps.checkRevoked,
    revocationsFresh: deps.revocationsFresh,
    policy: () => policyRef,
    rejections,
    resourceMetadataUrl: metadataUrl,
    instanceId: config.instanceId,
  });
  const recorder = new DecisionRecorder(deps.store.append, config.instanceId);
  const allowedHosts = new Set(config.allowedHosts.map((host) => host.toLowerCase()));
  const allowedOrigins = new Set(config.allowedOrigins.map((origin) => origin.toLowerCase()));
  const mcpPath = new URL(config.resourceUrl).pathname;

  app.addHook('onRequest', async (request) => {
    // The route fastify matched, not the raw URL: `/%6dcp` or an absolute-form target reach /mcp too.
    if (request.routeOptions.url !== mcpPath) return;
    const refusal = checkHostAndOrigin(request, allowedHosts, allowedOrigins);
    if (!refusal) return;
    const pending = rejections.record({
      type: 'auth.rejected',
      service: 'mcp-server',
      instanceId: config.instanceId,
      request: { method: `${request.method} ${mcpPath}` },
      decision: 'deny',
      reasonCode: refusal.code,
      policy: policyRef,
      trace: requestTrace(request.headers.traceparent),
      source: { address: request.ip, userAgent: request.headers['user-agent'] },
      data: { detail: refusal.message },
    });
    if (pending) await pending;
    throw refusal;
  });

  installErrorHandler(app);
  // A request refused before it had a caller (no or bad token, a guard) is logged where it is
  // refused, folded under a flood: its access line is debug.
  installAccessLog(app, { fields: mcpLogFields, quiet: (request) => request.caller === undefined });

  await app.register(healthRoute, {
    checks: {
      database: () => deps.store.health().healthy,
      keys: deps.keysReady,
      ...deps.readiness,
    },
  });
  await app.register(protectedResourceRoute, {
    resourceUrl: config.resourceUrl,
    authorizationServer: config.tokenIssuerUrl,
  });
  await app.register(mcpRoute, { deps, authenticator, recorder, resourceMetadataUrl: metadataUrl });
  return app;
}
