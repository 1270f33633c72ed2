import { type AppEnv, EnvReader } from '../../shared/config/index.js';
import type { DevIdpClient } from './dev-idp.js';
import { isLoopbackHost } from './loopback.js';
import type { StartDevIdpOptions } from './start-dev-idp.js';

/** The fixed secret of the default dev client: this IdP exists only on developer machines and in tests. */
export const DEV_CLIENT_SECRET = 'dev-secret-change-me';

/** Redirect URIs registered for the default client: the token service's login callbacks. */
export const DEFAULT_REDIRECT_URIS: readonly string[] = Object.freeze([
  'http://127.0.0.1:8081/auth/callback',
  'http://127.0.0.1:8081/oauth/upstream/callback',
]);

/**
 * Reads the dev IdP's settings: `PORT` (8082), `HOST` (127.0.0.1), `OIDC_ISSUER`
 * (`http://127.0.0.1:<PORT>`), `OIDC_CLIENT_ID` (`mcp-token-service`), `OIDC_CLIENT_SECRET`
 * ({@link DEV_CLIENT_SECRET}), `OIDC_REDIRECT_URIS` (comma list, {@link DEFAULT_REDIRECT_URIS}),
 * `APP_ENV` and `DEV_IDP_ALLOW_NON_LOOPBACK` (`true` to listen beyond loopback). The `OIDC_*` names
 * are the ones the token service reads, so one environment configures both sides.
 *
 * @throws ConfigError naming every bad variable.
 */
export function loadDevIdpConfig(source: Readonly<Record<string, string | undefined>>): StartDevIdpOptions {
  const env = new EnvReader(source);
  const port = env.port('PORT', 8082);
  const host = env.string('HOST', '127.0.0.1');
  const issuerVariable = env.optional('OIDC_ISSUER');
  const issuer = issuerVariable === undefined ? undefined : env.url('OIDC_ISSUER', '').replace(/\/$/, '');
  const appEnv = env.oneOf<AppEnv>('APP_ENV', ['development', 'test', 'production'], 'development');
  const allowNonLoopback = env.oneOf('DEV_IDP_ALLOW_NON_LOOPBACK', ['true', 'false'], 'false') === 'true';
  if (issuerVariable === undefined && !isLoopbackHost(host)) {
    env.problem(`OIDC_ISSUER is required when HOST=${host} is not a loopback address`);
  }
  const redirectUris = env.list('OIDC_REDIRECT_URIS', DEFAULT_REDIRECT_URIS);
  for (const uri of redirectUris) {
    if (!URL.canParse(uri))
      env.problem(`OIDC_REDIRECT_URIS has ${JSON.stringify(uri)}, which is not an absolute URL`);
  }
  if (redirectUris.length === 0) env.problem('OIDC_REDIRECT_URIS must name at least one URI');
  const client: DevIdpClient = {
    client_id: env.string('OIDC_CLIENT_ID', 'mcp-token-service'),
    client_secret: env.string('OIDC_CLIENT_SECRET', DEV_CLIENT_SECRET),
    redirect_uris: redirectUris,
  };
  env.done();
  return Object.freeze({
    port,
    host,
    issuer: issuer ?? (port === 0 ? undefined : `http://${host.includes(':') ? `[${host}]` : host}:${port}`),
    clients: [client],
    appEnv,
    allowNonLoopback,
  });
}
