import type { CheckpointAnchor } from './checkpoint-anchor.js';
import type { CheckpointSigner } from './checkpoint-signer.js';
import { createDirectoryAnchor } from './directory-anchor.js';
import { createGcsAnchor } from './gcs-anchor.js';
import type { AccessTokenProvider, FetchLike } from './google-api.js';
import { createKmsSigner } from './kms-signer.js';
import { loadOrCreateLocalSigner } from './local-ed25519-signer.js';
import { metadataServerToken, staticAccessToken } from './metadata-server-token.js';
import type { AnchorConfig, GoogleAuthConfig, SignerConfig } from './seal-config.js';

/** Overrides for tests (a fake Google endpoint). */
export interface GoogleOverrides {
  readonly fetch?: FetchLike | undefined;
  readonly kmsEndpoint?: string | undefined;
  readonly storageEndpoint?: string | undefined;
}

/** The access token source the configuration names. */
export function accessTokenFrom(
  google: GoogleAuthConfig,
  overrides: GoogleOverrides = {},
): AccessTokenProvider {
  return google.accessToken !== undefined
    ? staticAccessToken(google.accessToken)
    : metadataServerToken({ host: google.metadataHost, fetch: overrides.fetch });
}

/** The signer the configuration names (a local key is loaded or created now). */
export async function signerFrom(
  signer: SignerConfig,
  google: GoogleAuthConfig,
  overrides: GoogleOverrides = {},
): Promise<CheckpointSigner> {
  if (signer.kind === 'local') return loadOrCreateLocalSigner(signer.dir);
  return createKmsSigner({
    keyVersion: signer.keyVersion,
    accessToken: accessTokenFrom(google, overrides),
    endpoint: overrides.kmsEndpoint,
    fetch: overrides.fetch,
  });
}

/** The anchor the configuration names. */
export function anchorFrom(
  anchor: AnchorConfig,
  google: GoogleAuthConfig,
  overrides: GoogleOverrides = {},
): CheckpointAnchor {
  if (anchor.kind === 'dir') return createDirectoryAnchor(anchor.dir);
  return createGcsAnchor({
    bucket: anchor.bucket,
    prefix: anchor.prefix,
    accessToken: accessTokenFrom(google, overrides),
    endpoint: overrides.storageEndpoint,
    fetch: overrides.fetch,
  });
}
