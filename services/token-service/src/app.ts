import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { SigningKeys } from '../../shared/auth/index.js';
import type { EventAppender, StoreHealth } from '../../shared/event-store/api.js';
import { healthRoute, installErrorHandler } from '../../shared/http/index.js';
import type { Policy } from '../../shared/policy/index.js';
import type { TokenServiceConfig } from './config.js';
import { devTokensRoute } from './routes/dev-tokens-route.js';
import { jwksRoute } from './routes/jwks-route.js';

/** Everything the token service app needs, built by `server.ts` (or a test) at start-up. */
export interface TokenServiceDeps {
  readonly config: TokenServiceConfig;
  readonly keys: SigningKeys;
  readonly store: { readonly append: EventAppender['append']; health(): StoreHealth };
  readonly policy: Policy;
  /** Local admin secret enabling `POST /dev/tokens`; absent disables the route. */
  readonly devAdminSecret?: Buffer;
  /** Logger options (pino through fastify); false or absent logs nothing (tests). */
  readonly logger?: FastifyServerOptions['logger'];
}

/** Builds the token service as a fastify app without listening. */
export async function buildTokenServiceApp(deps: TokenServiceDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: 64 * 1024,
    return503OnClosing: true,
  });
  installErrorHandler(app);
  await app.register(healthRoute, {
    checks: { database: () => deps.store.health().healthy, keys: () => true, policy: () => true },
  });
  await app.register(jwksRoute, { keys: deps.keys });
  if (config.devTokensEnabled && deps.devAdminSecret) {
    await app.register(devTokensRoute, {
      adminSecret: deps.devAdminSecret,
      maxTtlSeconds: 86_400,
      issuer: {
        keys: deps.keys,
        issuerUrl: config.issuerUrl,
        audience: config.resourceUrl,
        policy: deps.policy.ref,
        append: deps.store.append,
        instanceId: config.instanceId,
      },
    });
  }
  return app;
}
