#!/usr/bin/env node
/**
 * `npm run --silent token -- --sub <id> --scope "<scopes>" [--ttl <duration>]`: prints only a
 * signed access token and records `token.issued`. While `npm start` holds the embedded database the
 * token is minted by the running token service (authenticated by the local admin secret);
 * otherwise the command signs it and writes the event itself.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadOrCreateSecret, parseDurationSeconds } from '../../shared/config/index.js';
import { AppError } from '../../shared/errors/index.js';
import { loadTokenServiceConfig } from '../../token-service/src/config.js';
import { mintDirectly } from './mint-directly.js';

const usage = `usage: npm run --silent token -- --sub <subject> [--scope "<scopes>"] [--ttl <duration, e.g. 15m>]
                                     [--resource mcp|token-service]

Prints a signed access token and records token.issued in the audit log. The token is for the MCP
server by default; --resource token-service makes one for the token service's own APIs (audit
queries, revocation). Scopes: public:read confidential:read audit:read tokens:revoke (space separated).`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      sub: { type: 'string' },
      scope: { type: 'string', default: '' },
      ttl: { type: 'string', default: '15m' },
      resource: { type: 'string', default: 'mcp' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (!values.sub) throw new AppError('ERR_REQUEST_INVALID', `--sub is required\n${usage}`);
  const ttlSeconds = parseDurationSeconds(values.ttl);
  if (ttlSeconds === undefined || ttlSeconds < 1 || ttlSeconds > 86_400) {
    throw new AppError(
      'ERR_REQUEST_INVALID',
      `--ttl ${JSON.stringify(values.ttl)} must be a duration from 1s to 24h`,
    );
  }
  const config = loadTokenServiceConfig(process.env);
  if (config.appEnv === 'production') {
    throw new AppError('ERR_CONFIG_INVALID', 'hand-made tokens are disabled when APP_ENV=production');
  }
  if (values.resource !== 'mcp' && values.resource !== 'token-service') {
    throw new AppError('ERR_REQUEST_INVALID', `--resource must be mcp or token-service\n${usage}`);
  }
  const resource = values.resource === 'mcp' ? config.resourceUrl : config.issuerUrl;
  const request = { sub: values.sub, scope: values.scope, ttl_seconds: ttlSeconds, resource };
  const token =
    config.databaseUrl === undefined
      ? await mintThroughService(config.issuerUrl, config.dataDir, request)
      : undefined;
  process.stdout.write(`${token ?? (await mintDirectly(config, request))}\n`);
  return 0;
}

/** Asks the running token service; undefined when none is listening (then the caller mints directly). */
async function mintThroughService(
  issuerUrl: string,
  dataDir: string,
  body: { sub: string; scope: string; ttl_seconds: number; resource: string },
): Promise<string | undefined> {
  const secret = await loadOrCreateSecret({
    name: 'dev admin secret',
    value: undefined,
    file: join(dataDir, 'dev-admin-secret'),
  });
  let response: Response;
  try {
    response = await fetch(new URL('/dev/tokens', issuerUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-dev-admin-secret': secret.toString('base64') },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
  } catch (error) {
    if (isConnectionRefused(error)) return undefined;
    throw error;
  }
  const payload = (await response.json().catch(() => ({}))) as {
    access_token?: string;
    error?: string;
    message?: string;
  };
  if (!response.ok || !payload.access_token) {
    throw new Error(
      `token service at ${issuerUrl} refused: ${payload.error ?? response.status} ${payload.message ?? ''}`,
    );
  }
  return payload.access_token;
}

function isConnectionRefused(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code === 'ECONNREFUSED';
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`token: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof AppError && error.status < 500 ? 2 : 1);
  },
);
