import { join } from 'node:path';
import { EnvReader } from '../config/index.js';

/** Where checkpoints are signed. */
export type SignerConfig =
  | { readonly kind: 'local'; readonly dir: string }
  | { readonly kind: 'kms'; readonly keyVersion: string };

/** Where checkpoints are anchored. */
export type AnchorConfig =
  | { readonly kind: 'dir'; readonly dir: string }
  | { readonly kind: 'gcs'; readonly bucket: string; readonly prefix: string };

/** Google credentials for KMS and GCS: a fixed token, else the metadata server. */
export interface GoogleAuthConfig {
  /** `GOOGLE_OAUTH_ACCESS_TOKEN` (e.g. `gcloud auth print-access-token`, for a verifier's laptop). */
  readonly accessToken: string | undefined;
  /** `GCE_METADATA_HOST`; default `metadata.google.internal`. */
  readonly metadataHost: string | undefined;
}

/** The sealer's and the verifier's settings. */
export interface AuditSealConfig {
  readonly intervalMs: number;
  readonly signer: SignerConfig;
  readonly anchor: AnchorConfig;
  readonly google: GoogleAuthConfig;
}

const keyVersionPattern =
  /^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+\/cryptoKeyVersions\/[^/]+$/;
const gcsPattern = /^gcs:([a-z0-9][a-z0-9._-]{1,220}[a-z0-9])(?:\/((?:[A-Za-z0-9._-]+\/)*))?$/;

/**
 * Reads `AUDIT_SEAL_INTERVAL_MS` (default 10 000), `AUDIT_SIGNER` (`local`, the default: an Ed25519
 * key under `${DATA_DIR}/audit-seal`; or `kms:<key version resource name>`), `AUDIT_ANCHOR` (`dir`,
 * the default, or `gcs:<bucket>[/<prefix>/]`, prefix default `checkpoints/`), `AUDIT_ANCHOR_DIR`
 * (default `${DATA_DIR}/anchor`), `GOOGLE_OAUTH_ACCESS_TOKEN` and `GCE_METADATA_HOST`. Problems are
 * collected in `env` (call `env.done()`).
 *
 * @example
 * const env = new EnvReader(process.env);
 * const seal = readAuditSealConfig(env, config.dataDir);
 * env.done();
 */
export function readAuditSealConfig(
  env: EnvReader,
  dataDir: string,
  options: { production?: boolean } = {},
): AuditSealConfig {
  const intervalMs = env.integer('AUDIT_SEAL_INTERVAL_MS', 10_000, { min: 100, max: 86_400_000 });
  const signerText = env.string('AUDIT_SIGNER', 'local');
  let signer: SignerConfig = { kind: 'local', dir: join(dataDir, 'audit-seal') };
  if (signerText.startsWith('kms:')) {
    const keyVersion = signerText.slice(4);
    if (keyVersionPattern.test(keyVersion)) signer = { kind: 'kms', keyVersion };
    else {
      env.problem(
        `AUDIT_SIGNER=${JSON.stringify(signerText)} must be kms:projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/V`,
      );
    }
  } else if (signerText !== 'local') {
    env.problem(
      `AUDIT_SIGNER=${JSON.stringify(signerText)} must be local or kms:<key version resource name>`,
    );
  }
  const anchorText = env.string('AUDIT_ANCHOR', 'dir');
  const anchorDir = env.string('AUDIT_ANCHOR_DIR', join(dataDir, 'anchor'));
  let anchor: AnchorConfig = { kind: 'dir', dir: anchorDir };
  if (anchorText.startsWith('gcs:')) {
    const match = gcsPattern.exec(anchorText);
    if (match) anchor = { kind: 'gcs', bucket: match[1]!, prefix: match[2] || 'checkpoints/' };
    else {
      env.problem(
        `AUDIT_ANCHOR=${JSON.stringify(anchorText)} must be gcs:<bucket> or gcs:<bucket>/<prefix>/`,
      );
    }
  } else if (anchorText !== 'dir') {
    env.problem(`AUDIT_ANCHOR=${JSON.stringify(anchorText)} must be dir or gcs:<bucket>`);
  }
  // A key and an anchor inside the pod prove nothing to an auditor: production uses KMS and GCS.
  if (options.production && signer.kind === 'local') {
    env.problem('AUDIT_SIGNER must be kms:<key version> when APP_ENV=production');
  }
  if (options.production && anchor.kind === 'dir') {
    env.problem('AUDIT_ANCHOR must be gcs:<bucket> when APP_ENV=production');
  }
  const metadataHost = env.optional('GCE_METADATA_HOST');
  if (metadataHost !== undefined && !/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(metadataHost)) {
    env.problem(`GCE_METADATA_HOST=${JSON.stringify(metadataHost)} must be host or host:port`);
  }
  return Object.freeze({
    intervalMs,
    signer: Object.freeze(signer),
    anchor: Object.freeze(anchor),
    google: Object.freeze({ accessToken: env.optional('GOOGLE_OAUTH_ACCESS_TOKEN'), metadataHost }),
  });
}

/**
 * {@link readAuditSealConfig} on its own: throws a `ConfigError` naming every bad variable.
 *
 * @example
 * const seal = loadAuditSealConfig(process.env, '.data');
 */
export function loadAuditSealConfig(
  source: Readonly<Record<string, string | undefined>>,
  dataDir: string,
  options: { production?: boolean } = {},
): AuditSealConfig {
  const env = new EnvReader(source);
  const config = readAuditSealConfig(env, dataDir, options);
  env.done();
  return config;
}
