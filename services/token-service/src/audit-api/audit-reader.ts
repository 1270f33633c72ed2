import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { openDatabase, type ReadonlyDatabase, readOnly } from '../../../shared/db/index.js';
import type { TokenServiceConfig } from '../config.js';

/**
 * The audit API's read access to the log: the caller's shared handle when there is one (the
 * embedded database allows a single handle per process), else a small pool of its own on
 * `DATABASE_URL`, closed with the app, so a long export never waits behind token issuance for a
 * connection. Undefined when neither exists: the route then answers 503 instead of the token
 * service refusing to start.
 */
export async function auditReaderFor(
  deps: { readonly config: TokenServiceConfig; readonly auditReader?: Kysely<ReadonlyDatabase> | undefined },
  app: FastifyInstance,
): Promise<Kysely<ReadonlyDatabase> | undefined> {
  if (deps.auditReader) return deps.auditReader;
  const { config } = deps;
  if (config.databaseUrl === undefined) {
    app.log.warn('GET /audit/events is unavailable: the embedded database handle was not passed to the app');
    return undefined;
  }
  const handle = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    appRole: config.databaseAppRole,
    poolSize: 4,
  });
  app.addHook('onClose', async () => handle.close());
  return readOnly(handle.db);
}
