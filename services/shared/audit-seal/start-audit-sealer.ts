import type { CommonConfig } from '../config/index.js';
import type { DatabaseHandle } from '../db/index.js';
import type { EventAppender } from '../event-store/index.js';
import { type AuditSealer, createAuditSealer, type SealerLogger } from './audit-sealer.js';
import { anchorFrom, signerFrom } from './from-config.js';
import { loadAuditSealConfig } from './seal-config.js';
import { postgresSealerLock, processLocalSealerLock } from './sealer-lock.js';

/** What a server role hands to {@link createServerSealer}. */
export interface ServerSealerOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly config: Pick<CommonConfig, 'appEnv' | 'dataDir' | 'databaseUrl' | 'instanceId'>;
  readonly service: string;
  readonly database: Pick<DatabaseHandle, 'execute'>;
  readonly append: EventAppender['append'];
  readonly log: SealerLogger;
}

/**
 * The sealer a server role runs: configuration read and checked, local key loaded (or KMS and GCS
 * clients built) now, so a bad setting stops start-up; call `start()` once the server listens and
 * `stop()` before closing the database. On PostgreSQL the replicas elect one sealer with an
 * advisory lock on a dedicated connection; the embedded database has one process.
 *
 * @throws {ConfigError} naming every bad `AUDIT_*` variable.
 * @example
 * const sealer = await createServerSealer({ env, config, service: 'token-service', database, append, log: app.log });
 * await app.listen(…);
 * sealer.start();
 */
export async function createServerSealer(options: ServerSealerOptions): Promise<AuditSealer> {
  const seal = loadAuditSealConfig(options.env, options.config.dataDir, {
    production: options.config.appEnv === 'production',
  });
  const signer = await signerFrom(seal.signer, seal.google);
  const anchor = anchorFrom(seal.anchor, seal.google);
  const log = options.log;
  log.info(
    { signer: signer.description, anchor: anchor.description, intervalMs: seal.intervalMs },
    'audit sealer configured',
  );
  return createAuditSealer({
    database: options.database,
    lock: options.config.databaseUrl
      ? postgresSealerLock(options.config.databaseUrl)
      : processLocalSealerLock(),
    signer,
    anchor,
    append: options.append,
    service: options.service,
    instanceId: options.config.instanceId,
    intervalMs: seal.intervalMs,
    log,
  });
}
