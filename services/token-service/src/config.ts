import {
  type CommonConfig,
  type EdgeConfig,
  EnvReader,
  readCommonConfig,
  readEdgeConfig,
} from '../../shared/config/index.js';

/** The upstream OpenID Provider users sign in with (Google in production, the dev IdP locally). */
export interface UpstreamConfig {
  /** Issuer identifier, compared exactly with the ID token's `iss`. */
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Scopes asked of the upstream provider. */
  readonly scopes: readonly string[];
  /** Google Workspace domain users must belong to (`hd` claim); unset allows any account. */
  readonly hostedDomain: string | undefined;
  /** Plain-http upstream allowed (dev and tests only; never in production). */
  readonly allowInsecureRequests: boolean;
}

export interface TokenServiceConfig extends CommonConfig, EdgeConfig {
  readonly port: number;
  /** This service's public URL: the `iss` of every token it signs. */
  readonly issuerUrl: string;
  /** The MCP server's canonical resource URL: the `aud` of every token it signs. */
  readonly resourceUrl: string;
  readonly accessTokenTtlSeconds: number;
  /** Lifetime of refresh tokens issued to MCP clients (rotated on every use). */
  readonly refreshTokenTtlSeconds: number;
  /**
   * OAuth Client ID Metadata Documents: an `https:` client_id names a JSON document the server
   * fetches instead of requiring registration. Off by default: clients that see it advertised (Claude
   * Code) switch to their own hosted document, which a server without internet access cannot fetch.
   */
  readonly clientIdMetadataDocuments: { readonly enabled: boolean; readonly allowedHosts: readonly string[] };
  /** Local key directory (dev); production keys come from Secret Manager via SIGNING_KEYS_DIR. */
  readonly signingKeysDir: string;
  /** Enables `POST /dev/tokens` (never in production). */
  readonly devTokensEnabled: boolean;
  readonly upstream: UpstreamConfig;
  /**
   * Base64 secret (at least 32 bytes) keying the authorization server's cookies and the login
   * transaction cookie; unset means a file under DATA_DIR (local use only).
   */
  readonly cookieSecret: string | undefined;
  /**
   * Unauthenticated OAuth requests that store something, accepted per hour by one replica from one
   * client address and in all: dynamic client registrations (each a client row kept for good) and
   * authorization requests (each an interaction row held for 10 minutes).
   */
  readonly oauthLimits: {
    readonly registrations: { readonly perSource: number; readonly total: number };
    readonly authorizations: { readonly perSource: number; readonly total: number };
  };
}

/** The dev IdP's default client secret; accepted only outside production. */
export const DEV_UPSTREAM_CLIENT_SECRET = 'dev-secret-change-me';

/** Reads and validates the token service's configuration; throws `ConfigError` naming every bad variable. */
export function loadTokenServiceConfig(
  source: Readonly<Record<string, string | undefined>>,
): TokenServiceConfig {
  const env = new EnvReader(source);
  const common = readCommonConfig(env);
  const production = common.appEnv === 'production';
  const port = env.port('PORT', 8081);
  const issuerUrl = env.url('TOKEN_ISSUER_URL', `http://127.0.0.1:${port}`).replace(/\/$/, '');
  const upstreamIssuer = env.url('OIDC_ISSUER', 'http://127.0.0.1:8082').replace(/\/$/, '');
  const clientSecret = production
    ? env.required('OIDC_CLIENT_SECRET', 'the upstream IdP client secret, from Secret Manager')
    : env.string('OIDC_CLIENT_SECRET', DEV_UPSTREAM_CLIENT_SECRET);
  const cookieSecret = env.optional('OAUTH_COOKIE_SECRET');
  if (production) {
    if (!upstreamIssuer.startsWith('https:'))
      env.problem('OIDC_ISSUER must be https when APP_ENV=production');
    if (!issuerUrl.startsWith('https:'))
      env.problem('TOKEN_ISSUER_URL must be https when APP_ENV=production');
    if (clientSecret === DEV_UPSTREAM_CLIENT_SECRET) {
      env.problem('OIDC_CLIENT_SECRET must not be the dev secret when APP_ENV=production');
    }
    if (cookieSecret === undefined) env.problem('OAUTH_COOKIE_SECRET is required when APP_ENV=production');
  }
  const config: TokenServiceConfig = {
    ...common,
    port,
    issuerUrl,
    resourceUrl: env.url('MCP_RESOURCE_URL', 'http://127.0.0.1:8080/mcp'),
    accessTokenTtlSeconds: env.durationSeconds('ACCESS_TOKEN_TTL', 900, { min: 60, max: 86_400 }),
    refreshTokenTtlSeconds: env.durationSeconds('REFRESH_TOKEN_TTL', 14 * 86_400, {
      min: 300,
      max: 90 * 86_400,
    }),
    clientIdMetadataDocuments: Object.freeze({
      enabled: env.oneOf('OAUTH_CLIENT_ID_METADATA_DOCUMENTS', ['off', 'on'], 'off') === 'on',
      allowedHosts: Object.freeze(env.list('OAUTH_CIMD_ALLOWED_HOSTS').map((host) => host.toLowerCase())),
    }),
    signingKeysDir: env.string('SIGNING_KEYS_DIR', `${common.dataDir}/keys`),
    devTokensEnabled: !production,
    upstream: Object.freeze({
      issuer: upstreamIssuer,
      clientId: env.string('OIDC_CLIENT_ID', 'mcp-token-service'),
      clientSecret,
      // Google has no `groups` scope (and refuses unknown ones); the dev IdP releases group claims with it.
      scopes: Object.freeze(
        env.list(
          'OIDC_SCOPES',
          production ? ['openid', 'email', 'profile'] : ['openid', 'email', 'profile', 'groups'],
        ),
      ),
      hostedDomain: env.optional('OIDC_HOSTED_DOMAIN')?.toLowerCase(),
      allowInsecureRequests: !production,
    }),
    cookieSecret,
    // Its own APIs follow revocations too; behind the ingress, audit events and flood folding need
    // the client's address.
    ...readEdgeConfig(env),
    oauthLimits: Object.freeze({
      registrations: Object.freeze({
        perSource: env.integer('OAUTH_REGISTRATIONS_PER_SOURCE', 60, { min: 1, max: 1_000_000 }),
        total: env.integer('OAUTH_REGISTRATIONS_TOTAL', 10_000, { min: 1, max: 10_000_000 }),
      }),
      authorizations: Object.freeze({
        perSource: env.integer('OAUTH_AUTHORIZATIONS_PER_SOURCE', 600, { min: 1, max: 1_000_000 }),
        total: env.integer('OAUTH_AUTHORIZATIONS_TOTAL', 60_000, { min: 1, max: 10_000_000 }),
      }),
    }),
  };
  env.done();
  return Object.freeze(config);
}
