import { type CommonConfig, EnvReader, readCommonConfig } from '../../shared/config/index.js';

export interface TokenServiceConfig extends CommonConfig {
  readonly port: number;
  /** This service's public URL: the `iss` of every token it signs. */
  readonly issuerUrl: string;
  /** The MCP server's canonical resource URL: the `aud` of every token it signs. */
  readonly resourceUrl: string;
  readonly accessTokenTtlSeconds: number;
  /** Local key directory (dev); production keys come from Secret Manager via SIGNING_KEYS_DIR. */
  readonly signingKeysDir: string;
  /** Enables `POST /dev/tokens` (never in production). */
  readonly devTokensEnabled: boolean;
}

/** Reads and validates the token service's configuration; throws `ConfigError` naming every bad variable. */
export function loadTokenServiceConfig(
  source: Readonly<Record<string, string | undefined>>,
): TokenServiceConfig {
  const env = new EnvReader(source);
  const common = readCommonConfig(env);
  const port = env.port('PORT', 8081);
  const issuerUrl = env.url('TOKEN_ISSUER_URL', `http://127.0.0.1:${port}`).replace(/\/$/, '');
  const config: TokenServiceConfig = {
    ...common,
    port,
    issuerUrl,
    resourceUrl: env.url('MCP_RESOURCE_URL', 'http://127.0.0.1:8080/mcp'),
    accessTokenTtlSeconds: env.durationSeconds('ACCESS_TOKEN_TTL', 900, { min: 60, max: 86_400 }),
    signingKeysDir: env.string('SIGNING_KEYS_DIR', `${common.dataDir}/keys`),
    devTokensEnabled: common.appEnv !== 'production',
  };
  env.done();
  return Object.freeze(config);
}
