import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type AuditSealConfig,
  anchorFrom,
  type CheckpointAnchor,
  type GoogleOverrides,
  loadAuditSealConfig,
  type SignerKey,
  signerKeyOf,
} from '../../../shared/audit-seal/index.js';
import { type DatabaseHandle, DatabaseLockedError, openDatabase } from '../../../shared/db/index.js';
import { VerifyUsageError } from './verify-args.js';

type Env = Readonly<Record<string, string | undefined>>;

/** A problem with the environment, files or database: the command could not run (exit 2). */
export class VerifySetupError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'VerifySetupError';
  }
}

/** The data directory verify works with (`DATA_DIR`, default `.data`). */
export function dataDirOf(env: Env): string {
  return resolve(env.DATA_DIR?.trim() || '.data');
}

/**
 * Opens the log read-only: `DATABASE_URL` as its login role (which may be SELECT-only), or the
 * embedded database under `DATA_DIR` as `mcp_reader` when no server process holds it.
 */
export async function openLogDatabase(env: Env): Promise<DatabaseHandle> {
  const url = env.DATABASE_URL?.trim();
  if (url) {
    try {
      return await openDatabase({ url, dataDir: dataDirOf(env), appRole: null, poolSize: 2 });
    } catch (error) {
      throw new VerifySetupError(`cannot connect to DATABASE_URL: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  const dataDir = dataDirOf(env);
  if (!existsSync(join(dataDir, 'pglite'))) {
    throw new VerifySetupError(
      `no DATABASE_URL and no embedded database under ${dataDir} (set DATABASE_URL or DATA_DIR)`,
    );
  }
  try {
    return await openDatabase({ dataDir, appRole: 'mcp_reader' });
  } catch (error) {
    if (error instanceof DatabaseLockedError) {
      throw new VerifySetupError(
        `the embedded database under ${dataDir} is in use by process ${error.pid} (npm start?): stop it, or verify through DATABASE_URL`,
        { cause: error },
      );
    }
    throw new VerifySetupError(`cannot open the embedded database: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** The anchor named by `--anchor`, else by the sealer's variables; undefined for `none`. */
export function anchorOf(
  flag: string | undefined,
  env: Env,
  overrides: GoogleOverrides = {},
): CheckpointAnchor | undefined {
  if (flag === 'none') return undefined;
  const dataDir = dataDirOf(env);
  let fromFlag: Record<string, string> = {};
  if (flag === 'dir') fromFlag = { AUDIT_ANCHOR: 'dir' };
  else if (flag?.startsWith('dir:')) fromFlag = { AUDIT_ANCHOR: 'dir', AUDIT_ANCHOR_DIR: flag.slice(4) };
  else if (flag?.startsWith('gcs:')) fromFlag = { AUDIT_ANCHOR: flag };
  else if (flag !== undefined)
    throw new VerifyUsageError(
      `--anchor ${JSON.stringify(flag)} must be dir, dir:<path>, gcs:<bucket> or none`,
    );
  let config: AuditSealConfig;
  try {
    config = loadAuditSealConfig(
      {
        AUDIT_ANCHOR: env.AUDIT_ANCHOR,
        AUDIT_ANCHOR_DIR: env.AUDIT_ANCHOR_DIR,
        GOOGLE_OAUTH_ACCESS_TOKEN: env.GOOGLE_OAUTH_ACCESS_TOKEN,
        GCE_METADATA_HOST: env.GCE_METADATA_HOST,
        ...fromFlag,
      },
      dataDir,
    );
  } catch (error) {
    throw new VerifySetupError((error as Error).message, { cause: error });
  }
  return anchorFrom(config.anchor, config.google, overrides);
}

/** Reads `--public-key` files (SPKI PEM, as `gcloud kms keys versions get-public-key` writes them). */
export async function readPublicKeys(files: readonly string[]): Promise<SignerKey[]> {
  const keys: SignerKey[] = [];
  for (const file of files) {
    let pem: string;
    try {
      pem = await readFile(file, 'utf8');
    } catch (error) {
      throw new VerifySetupError(
        `--public-key ${file}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`,
      );
    }
    try {
      keys.push(signerKeyOf(pem));
    } catch (error) {
      throw new VerifySetupError(`--public-key ${file}: ${(error as Error).message}`);
    }
  }
  return keys;
}
