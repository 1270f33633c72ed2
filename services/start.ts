/**
 * `npm start`: every role in one process for local use: migrations, the dev identity provider
 * (:8082, only when no upstream OIDC_ISSUER is configured), the token service (:8081), then the MCP
 * server (:8080), sharing one database (the embedded one under `.data/` unless DATABASE_URL is set).
 * Production runs each role as its own process instead, and never the dev identity provider.
 */
import { startDevIdpFromEnv } from './dev-idp/src/server.js';
import { loadMcpServerConfig } from './mcp-server/src/config.js';
import { startMcpServer } from './mcp-server/src/server.js';
import { openAuditStore, runUntilSignal } from './shared/runtime/index.js';
import { startTokenService } from './token-service/src/server.js';

await runUntilSignal('npm start', async () => {
  const env = process.env;
  const config = loadMcpServerConfig({ ...env, PORT: env.MCP_PORT ?? env.PORT });
  const audit = await openAuditStore(config, { migrate: true });
  const started: { close(): Promise<void> }[] = [];
  try {
    if (!env.OIDC_ISSUER)
      started.push(await startDevIdpFromEnv({ ...env, PORT: env.DEV_IDP_PORT ?? '8082' }));
    started.push(await startTokenService({ env: { ...env, PORT: env.TOKEN_SERVICE_PORT ?? '8081' }, audit }));
    started.push(await startMcpServer({ env: { ...env, PORT: env.MCP_PORT ?? env.PORT ?? '8080' }, audit }));
  } catch (error) {
    for (const service of started.reverse()) await service.close();
    await audit.close();
    throw error;
  }
  return {
    close: async () => {
      for (const service of started.reverse()) await service.close();
      await audit.close();
    },
  };
});
