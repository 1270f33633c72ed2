import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createServerSealer } from '../../shared/audit-seal/index.js';
import { loadOrCreateSigningKeys } from '../../shared/auth/index.js';
import { loadOrCreateSecret } from '../../shared/config/index.js';
import { readOnly } from '../../shared/db/index.js';
import {
  activatePolicy,
  loggerOptions,
  openAuditStore,
  type RunningService,
  type StartOptions,
} from '../../shared/runtime/index.js';
import { buildTokenServiceApp } from './app.js';
import { loadTokenServiceConfig } from './config.js';

/** Starts the token service: configuration, policy and signing keys first, then it listens. */
export async function startTokenService(options: StartOptions): Promise<RunningService> {
  const config = loadTokenServiceConfig(options.env);
  const audit = options.audit ?? (await openAuditStore(config));
  const ownsAudit = options.audit === undefined;
  try {
    const policy = await activatePolicy(config, 'token-service', audit.store.append);
    const keys = await loadOrCreateSigningKeys(config.signingKeysDir);
    const devAdminSecret = config.devTokensEnabled
      ? await loadOrCreateSecret({
          name: 'dev admin secret',
          value: undefined,
          file: join(config.dataDir, 'dev-admin-secret'),
        })
      : undefined;
    const cookieSecret = await loadOrCreateSecret({
      name: 'OAUTH_COOKIE_SECRET',
      value: config.cookieSecret,
      file: join(config.dataDir, 'oauth-cookie-secret'),
    });
    const app = await buildTokenServiceApp({
      config,
      keys,
      store: audit.store,
      database: audit.database,
      auditReader: audit.database.kind === 'pglite' ? readOnly(audit.database.db) : undefined,
      policy,
      devAdminSecret,
      cookieSecret,
      logger: loggerOptions('token-service', config),
    });
    const sealer = await createServerSealer({
      env: options.env,
      config,
      service: 'token-service',
      database: audit.database,
      append: audit.store.append,
      log: app.log.child({ component: 'audit-sealer' }),
    });
    await app.listen({ port: config.port, host: config.host });
    sealer.start();
    app.log.info(
      {
        issuer: config.issuerUrl,
        upstream: config.upstream.issuer,
        policyVersion: policy.version,
        kid: keys.current.kid,
      },
      'token service ready',
    );
    return {
      url: config.issuerUrl,
      app,
      close: async () => {
        await sealer.stop();
        await app.close();
        if (ownsAudit) await audit.close();
      },
    };
  } catch (error) {
    if (ownsAudit) await audit.close();
    throw error;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { runUntilSignal } = await import('../../shared/runtime/run-until-signal.js');
  await runUntilSignal('token-service', () => startTokenService({ env: process.env }));
}
