import { loadOrCreateSigningKeys } from '../../shared/auth/index.js';
import { activatePolicy, openAuditStore } from '../../shared/runtime/index.js';
import type { TokenServiceConfig } from '../../token-service/src/config.js';
import { issueAccessToken } from '../../token-service/src/tokens/issue-access-token.js';

/**
 * Signs a token with the local key set and records `token.issued` straight into the database: used
 * when no token service is running (or a shared Postgres is configured).
 */
export async function mintDirectly(
  config: TokenServiceConfig,
  request: { sub: string; scope: string; ttl_seconds: number; resource: string },
): Promise<string> {
  // The embedded database is local: bring its schema up to date like `npm start` would.
  const audit = await openAuditStore(config, { migrate: config.databaseUrl === undefined });
  try {
    const policy = await activatePolicy(config, 'token-cli', audit.store.append);
    const keys = await loadOrCreateSigningKeys(config.signingKeysDir);
    const issued = await issueAccessToken(
      {
        keys,
        issuerUrl: config.issuerUrl,
        audience: request.resource,
        policy: policy.ref,
        append: audit.store.append,
        instanceId: config.instanceId,
      },
      {
        subject: request.sub,
        scopes: request.scope.split(' ').filter((scope) => scope !== ''),
        clientId: 'mcp-token-dev',
        ttlSeconds: request.ttl_seconds,
        issuedVia: 'dev-token-command',
      },
    );
    return issued.accessToken;
  } finally {
    await audit.close();
  }
}
