import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { EnvReader } from './env-reader.js';

export type AppEnv = 'development' | 'test' | 'production';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Settings every server role shares. */
export interface CommonConfig {
  readonly appEnv: AppEnv;
  readonly instanceId: string;
  readonly host: string;
  readonly logLevel: LogLevel;
  /** Local state: embedded database, dev signing keys. */
  readonly dataDir: string;
  /** Postgres URL; unset means the embedded PGlite database under `dataDir` (not in production). */
  readonly databaseUrl: string | undefined;
  /** Role the application `SET ROLE`s to after connecting (INSERT and SELECT only); `none` disables. */
  readonly databaseAppRole: string | null;
  readonly policyDir: string;
  /** Policy version to serve; unset means the highest version in `policyDir`. */
  readonly policyVersion: string | undefined;
  /** Deadline for an audit event to commit before the request fails closed. */
  readonly auditCommitDeadlineMs: number;
  /** Audit batches committed at once (one database connection each). */
  readonly auditConcurrentFlushes: number;
}

/** Reads the settings every role shares (see README, "Configuration"). */
export function readCommonConfig(env: EnvReader): CommonConfig {
  const appEnv = env.oneOf<AppEnv>('APP_ENV', ['development', 'test', 'production'], 'development');
  const databaseUrl = env.optional('DATABASE_URL');
  if (appEnv === 'production' && databaseUrl === undefined) {
    env.problem(
      'DATABASE_URL is required when APP_ENV=production (the embedded database is for local use only)',
    );
  }
  const role = env.string('DATABASE_APP_ROLE', 'mcp_app');
  return {
    appEnv,
    instanceId: env.string('INSTANCE_ID', `${hostname()}-${process.pid}`),
    host: env.string('HOST', '127.0.0.1'),
    logLevel: env.oneOf<LogLevel>(
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      'info',
    ),
    dataDir: resolve(env.string('DATA_DIR', '.data')),
    databaseUrl,
    databaseAppRole: role === 'none' ? null : role,
    policyDir: resolve(env.string('POLICY_DIR', 'policies')),
    policyVersion: env.optional('POLICY_VERSION'),
    auditCommitDeadlineMs: env.integer('AUDIT_COMMIT_DEADLINE_MS', 2000, { min: 100, max: 60_000 }),
    auditConcurrentFlushes: env.integer('AUDIT_CONCURRENT_FLUSHES', 2, { min: 1, max: 32 }),
  };
}
