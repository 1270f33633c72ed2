import { resolve } from 'node:path';
import {
  type CommonConfig,
  type EdgeConfig,
  EnvReader,
  readCommonConfig,
  readEdgeConfig,
} from '../../shared/config/index.js';

export interface McpServerConfig extends CommonConfig, EdgeConfig {
  readonly port: number;
  /** Canonical resource URL (RFC 8707/9728): the `aud` every accepted token must carry. */
  readonly resourceUrl: string;
  /** Authorization server issuing the tokens (`iss`). */
  readonly tokenIssuerUrl: string;
  readonly jwksUrl: string;
  readonly documentsDir: string;
  /** Browser origins allowed to call `/mcp`; requests without an Origin header are not browsers. */
  readonly allowedOrigins: readonly string[];
  /** Host header values accepted (DNS rebinding protection). */
  readonly allowedHosts: readonly string[];
  readonly maxTokenBytes: number;
  readonly bodyLimitBytes: number;
  readonly clockToleranceSeconds: number;
  /** Key for HMACs of tool arguments in the audit log (base64); generated under DATA_DIR when unset. */
  readonly auditHmacKey: string | undefined;
  /** Individual `auth.rejected` events per source address per window before folding into counts. */
  readonly authRejectionBurst: number;
  /** Verified tokens remembered until `exp` (at most 5 minutes) so repeats skip the signature check; 0 disables. */
  readonly verifiedTokenCacheSize: number;
}

/** Reads and validates the MCP server's configuration; throws `ConfigError` naming every bad variable. */
export function loadMcpServerConfig(source: Readonly<Record<string, string | undefined>>): McpServerConfig {
  const env = new EnvReader(source);
  const common = readCommonConfig(env);
  const port = env.port('PORT', 8080);
  const resourceUrl = env.url('MCP_RESOURCE_URL', `http://127.0.0.1:${port}/mcp`);
  const tokenIssuerUrl = env.url('TOKEN_ISSUER_URL', 'http://127.0.0.1:8081').replace(/\/$/, '');
  const jwksUrl = env.url('JWKS_URL', new URL('/.well-known/jwks.json', tokenIssuerUrl).href);
  const resourceHost = safeHost(resourceUrl);
  const defaultHosts = [resourceHost, `127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
  const auditHmacKey = env.optional('AUDIT_HMAC_KEY');
  if (common.appEnv === 'production') {
    if (auditHmacKey === undefined) env.problem('AUDIT_HMAC_KEY is required when APP_ENV=production');
    if (!resourceUrl.startsWith('https:'))
      env.problem('MCP_RESOURCE_URL must be https when APP_ENV=production');
  }
  const config: McpServerConfig = {
    ...common,
    ...readEdgeConfig(env),
    port,
    resourceUrl,
    tokenIssuerUrl,
    jwksUrl,
    documentsDir: resolve(env.string('DOCUMENTS_DIR', 'documents')),
    allowedOrigins: env.list('ALLOWED_ORIGINS'),
    allowedHosts: [...new Set([...defaultHosts, ...env.list('ALLOWED_HOSTS')].filter((h) => h !== ''))],
    maxTokenBytes: env.integer('MAX_TOKEN_BYTES', 8192, { min: 512, max: 65_536 }),
    bodyLimitBytes: env.integer('BODY_LIMIT_BYTES', 1_048_576, { min: 1024, max: 16_777_216 }),
    clockToleranceSeconds: env.integer('TOKEN_CLOCK_TOLERANCE_SECONDS', 30, { min: 0, max: 300 }),
    auditHmacKey,
    authRejectionBurst: env.integer('AUTH_REJECTION_BURST', 20, { min: 1, max: 10_000 }),
    verifiedTokenCacheSize: env.integer('VERIFIED_TOKEN_CACHE_SIZE', 10_000, { min: 0, max: 1_000_000 }),
  };
  env.done();
  return Object.freeze(config);
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}
