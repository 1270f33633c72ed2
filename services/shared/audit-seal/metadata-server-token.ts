import type { AccessTokenProvider, FetchLike } from './google-api.js';
import { GoogleApiError } from './google-api.js';

/** Options of {@link metadataServerToken}. */
export interface MetadataServerTokenOptions {
  /** `host[:port]` of the metadata server. Default `metadata.google.internal` (`GCE_METADATA_HOST`). */
  readonly host?: string | undefined;
  readonly fetch?: FetchLike | undefined;
  readonly clock?: (() => number) | undefined;
}

/**
 * Access tokens of the workload's service account from the GCE metadata server, which is what GKE
 * Workload Identity serves to a pod: `GET /computeMetadata/v1/instance/service-accounts/default/token`
 * with `Metadata-Flavor: Google`. A token is reused until a minute before it expires; concurrent
 * callers share one request.
 *
 * @example
 * const token = metadataServerToken();
 * const signer = createKmsSigner({ keyVersion, accessToken: token });
 */
export function metadataServerToken(options: MetadataServerTokenOptions = {}): AccessTokenProvider {
  const host = options.host ?? 'metadata.google.internal';
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(host)) throw new TypeError(`invalid metadata host ${host}`);
  const url = `http://${host}/computeMetadata/v1/instance/service-accounts/default/token`;
  const clock = options.clock ?? Date.now;
  let cached: { token: string; refreshAt: number } | undefined;
  let pending: Promise<string> | undefined;

  const fetchToken = async (): Promise<string> => {
    let response: Response;
    try {
      response = await (options.fetch ?? fetch)(url, {
        headers: { 'metadata-flavor': 'Google' },
        signal: AbortSignal.timeout(5_000),
      });
    } catch (error) {
      throw new GoogleApiError(`metadata server ${host}: no response (${(error as Error).message})`, 0, {
        cause: error,
      });
    }
    if (response.status !== 200 || response.headers.get('metadata-flavor') !== 'Google') {
      throw new GoogleApiError(`metadata server ${host}: HTTP ${response.status}`, response.status);
    }
    const body = (await response.json().catch(() => ({}))) as {
      access_token?: unknown;
      expires_in?: unknown;
    };
    if (typeof body.access_token !== 'string' || body.access_token === '') {
      throw new GoogleApiError(`metadata server ${host}: no access_token in the response`, response.status);
    }
    const lifetime = typeof body.expires_in === 'number' ? body.expires_in : 300;
    cached = { token: body.access_token, refreshAt: clock() + Math.max(0, lifetime - 60) * 1000 };
    return body.access_token;
  };

  return async () => {
    if (cached && clock() < cached.refreshAt) return cached.token;
    pending ??= fetchToken().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}

/** A fixed token (e.g. `gcloud auth print-access-token` in `GOOGLE_OAUTH_ACCESS_TOKEN`). */
export function staticAccessToken(token: string): AccessTokenProvider {
  if (token === '') throw new TypeError('the access token must not be empty');
  return async () => token;
}
