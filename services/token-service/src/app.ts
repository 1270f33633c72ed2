import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Kysely } from 'kysely';
import { createAccessTokenVerifier, localJwks, type SigningKeys } from '../../shared/auth/index.js';
import type { DatabaseHandle, ReadonlyDatabase } from '../../shared/db/index.js';
import type { EventAppender, StoreHealth } from '../../shared/event-store/api.js';
import {
  healthRoute,
  installAccessLog,
  installErrorHandler,
  quietRequestLogging,
  RefusalRecorder,
} from '../../shared/http/index.js';
import type { Policy } from '../../shared/policy/index.js';
import { RevocationFeed } from '../../shared/revocation/index.js';
import { ApiAuthenticator } from './api-auth/api-authenticator.js';
import { protectedApiMetadataRoute } from './api-auth/protected-api-metadata-route.js';
import { auditEventsRoute, auditReaderFor } from './audit-api/index.js';
import type { TokenServiceConfig } from './config.js';
import { AccountStore } from './oauth/account-store.js';
import { createAuthorizationServer, oauthRoutes } from './oauth/create-authorization-server.js';
import { installEndpointLimit } from './oauth/endpoint-limit.js';
import { interactionRoutes } from './oauth/interaction-routes.js';
import { oauthProviderRoutes } from './oauth/oauth-plugin.js';
import { PostgresAdapterStore } from './oauth/postgres-adapter.js';
import { revocationRoutes } from './revocations/revocation-routes.js';
import { devTokensRoute } from './routes/dev-tokens-route.js';
import { jwksRoute } from './routes/jwks-route.js';
import type { IssuerContext } from './tokens/issue-access-token.js';
import { browserLoginRoutes } from './upstream/browser-login-routes.js';
import { LoginFlow } from './upstream/login-flow.js';
import { LoginTransactionCodec } from './upstream/login-transaction.js';
import { createUpstreamClient, type UpstreamClient } from './upstream/upstream-client.js';

/** Everything the token service app needs, built by `server.ts` (or a test) at start-up. */
export interface TokenServiceDeps {
  readonly config: TokenServiceConfig;
  readonly keys: SigningKeys;
  readonly store: { readonly append: EventAppender['append']; health(): StoreHealth };
  /** The database (as the application role): the authorization server keeps its shared state there. */
  readonly database: DatabaseHandle;
  /**
   * Reader for the audit query API. Absent on Postgres: the API opens its own small pool so a long
   * export cannot starve token issuance. The embedded database allows one handle per process, so
   * `server.ts` passes a read-only view of it.
   */
  readonly auditReader?: Kysely<ReadonlyDatabase> | undefined;
  readonly policy: Policy;
  /** Local admin secret enabling `POST /dev/tokens`; absent disables the route. */
  readonly devAdminSecret?: Buffer;
  /**
   * Keys the authorization server's cookies and the login transaction cookie (at least 32 bytes);
   * absent means a random one, valid for this process only.
   */
  readonly cookieSecret?: Buffer;
  /** The upstream IdP client; defaults to one built from `config.upstream` (openid-client). */
  readonly upstream?: UpstreamClient;
  /** Logger options (pino through fastify); false or absent logs nothing (tests). */
  readonly logger?: FastifyServerOptions['logger'];
}

/** Builds the token service as a fastify app without listening. */
export async function buildTokenServiceApp(deps: TokenServiceDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    logger: deps.logger ?? false,
    logController: quietRequestLogging(),
    bodyLimit: 64 * 1024,
    // Behind the ingress, request.ip is the client's address (X-Forwarded-For from a trusted proxy).
    trustProxy: config.trustProxy.length > 0 ? [...config.trustProxy] : false,
    return503OnClosing: true,
  });
  installErrorHandler(app);
  installAccessLog(app);
  await app.register(healthRoute, {
    // Policy, keys and configuration are loaded and validated before the server listens at all.
    checks: { database: () => deps.store.health().healthy },
  });
  await app.register(jwksRoute, { keys: deps.keys });

  // Refusals of the APIs below, of the OAuth endpoints and of sign-ins, folded under a flood.
  const rejections = new RefusalRecorder({
    append: deps.store.append,
    burst: 20,
    globalBurst: 1000,
    windowMs: 10_000,
    onError: (error) => app.log.error({ err: error }, 'could not record folded auth rejections'),
    onFolded: ({ type, source, reasonCode, count }) =>
      app.log.warn(
        { event: `${type}.folded`, source, reason: reasonCode, count },
        'refusals beyond the burst, counted in one audit event',
      ),
  });
  app.addHook('onClose', async () => rejections.close());
  // The token service's own APIs (audit, revocation) take tokens issued for this service as the
  // audience, never tokens for the MCP server (RFC 8707: no token passthrough).
  // Revocations apply to this service's own APIs too: a revoked admin or auditor token is refused.
  const revocations = new RevocationFeed({
    database: deps.database,
    pollIntervalMs: config.revocationPollIntervalMs,
    maxStalenessMs: config.revocationMaxStalenessMs,
    onError: (error) =>
      app.log.warn({ err: error, lagMs: revocations.lagMs() }, 'revocation feed sync failed'),
  });
  app.addHook('onReady', async () => revocations.start());
  app.addHook('onClose', async () => revocations.close());
  const apiAuth = new ApiAuthenticator({
    isRevoked: (claims) => revocations.isRevoked(claims),
    revocationsFresh: () => revocations.fresh(),
    verify: createAccessTokenVerifier({
      keys: localJwks(deps.keys.publicJwks()),
      issuer: config.issuerUrl,
      audience: config.issuerUrl,
    }).verify,
    rejections,
    policy: deps.policy.ref,
    instanceId: config.instanceId,
    resourceMetadataUrl: `${config.issuerUrl}/.well-known/oauth-protected-resource`,
  });
  await app.register(protectedApiMetadataRoute, { issuerUrl: config.issuerUrl });
  // The APIs, each guarded by apiAuth.requireScope(<scope>):
  await app.register(auditEventsRoute, {
    authenticate: apiAuth.requireScope('audit:read'),
    reader: await auditReaderFor(deps, app),
    append: deps.store.append,
    instanceId: config.instanceId,
    policy: deps.policy.ref,
    baseUrl: config.issuerUrl,
  });
  await app.register(revocationRoutes, {
    apiAuth,
    append: deps.store.append,
    instanceId: config.instanceId,
    policy: deps.policy.ref,
    // The authorization server is built below; this runs only on a request, once the app is ready.
    grants: { revokeSubject: (subject) => authorizationServer.revokeSubject(subject) },
  });
  const issuer: IssuerContext = {
    keys: deps.keys,
    issuerUrl: config.issuerUrl,
    audience: config.resourceUrl,
    policy: deps.policy.ref,
    append: deps.store.append,
    instanceId: config.instanceId,
  };
  if (config.devTokensEnabled && deps.devAdminSecret) {
    await app.register(devTokensRoute, {
      adminSecret: deps.devAdminSecret,
      maxTtlSeconds: 86_400,
      issuer,
      audiences: [config.resourceUrl, config.issuerUrl],
    });
  }

  const cookieSecret = deps.cookieSecret ?? randomBytes(32);
  const oauthState = new PostgresAdapterStore(deps.database);
  app.addHook('onClose', async () => oauthState.close());
  const accounts = new AccountStore(oauthState.factory('Account'), config.refreshTokenTtlSeconds);
  const authorizationServer = createAuthorizationServer({
    config,
    keys: deps.keys,
    policy: deps.policy,
    append: deps.store.append,
    rejections,
    onReconciled: (outcome) =>
      'error' in outcome
        ? app.log.error(
            { err: outcome.error, event: 'token.revoked.reconcile' },
            'could not record the revocation of revoked grants’ tokens; retrying',
          )
        : app.log.warn(
            { event: 'token.revoked.reconcile', grants: outcome.settled },
            'recorded the revocation of revoked grants’ tokens late (their first commit failed)',
          ),
    accounts,
    state: oauthState,
    cookieSecret,
  });
  app.addHook('onClose', async () => authorizationServer.close());
  const flow = new LoginFlow({
    upstream: deps.upstream ?? createUpstreamClient(config.upstream),
    codec: new LoginTransactionCodec(cookieSecret),
    policy: deps.policy,
    append: deps.store.append,
    refusals: rejections,
    instanceId: config.instanceId,
    issuerUrl: config.issuerUrl,
    upstreamHostedDomain: config.upstream.hostedDomain,
  });
  // Unauthenticated requests that store a row each are bounded per client address and in all.
  for (const [limit, path, methods] of [
    [config.oauthLimits.registrations, oauthRoutes.registration, ['POST']],
    // oidc-provider answers HEAD on every GET route: HEAD runs the authorization too.
    [config.oauthLimits.authorizations, oauthRoutes.authorization, ['GET', 'HEAD', 'POST']],
  ] as const) {
    installEndpointLimit(app, {
      ...limit,
      path,
      methods,
      windowMs: 3_600_000,
      rejections,
      policy: () => deps.policy.ref,
      instanceId: config.instanceId,
    });
  }
  await app.register(oauthProviderRoutes, { provider: authorizationServer.provider });
  await app.register(interactionRoutes, {
    provider: authorizationServer.provider,
    flow,
    accounts,
    resourceUrl: config.resourceUrl,
    issuerOrigin: new URL(config.issuerUrl).origin,
  });
  await app.register(browserLoginRoutes, {
    flow,
    issuer,
    ttlSeconds: config.accessTokenTtlSeconds,
    issuerUrl: config.issuerUrl,
    mcpUrl: config.resourceUrl,
  });
  return app;
}
