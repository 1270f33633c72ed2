import * as oidc from 'openid-client';
import { CliError } from '../cli-error.js';
import type { Credentials } from '../credentials/credentials.js';
import { isLoopback } from '../server-url.js';

/** The slice of RFC 8414 metadata the CLI keeps in its credentials file. */
export type StoredServerMetadata = Credentials['authorization_server'];

/** Plain-http servers are accepted only on loopback (development); see `parseServiceUrl`. */
function insecureOptions(server: URL): { execute?: ((config: oidc.Configuration) => void)[] } {
  return server.protocol === 'http:' && isLoopback(server.hostname)
    ? { execute: [oidc.allowInsecureRequests] }
    : {};
}

/**
 * Discovers the token service (`/.well-known/oauth-authorization-server`, RFC 8414, issuer checked)
 * and registers this CLI as a public native client (RFC 7591, RFC 8252) with its loopback redirect
 * URI, through openid-client.
 */
export async function registerClient(server: URL, redirectUri: string): Promise<oidc.Configuration> {
  try {
    return await oidc.dynamicClientRegistration(
      server,
      {
        client_name: 'mcp-token CLI',
        application_type: 'native',
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
        software_id: 'mcp-token',
      },
      oidc.None(),
      { algorithm: 'oauth2', ...insecureOptions(server) },
    );
  } catch (error) {
    throw serverError(error, `could not register with the token service at ${server.href}`);
  }
}

/** An openid-client configuration from stored credentials: no discovery, no registration. */
export function configurationFrom(credentials: Credentials): oidc.Configuration {
  const config = new oidc.Configuration(
    credentials.authorization_server as oidc.ServerMetadata,
    credentials.client.client_id,
    { token_endpoint_auth_method: 'none' },
    oidc.None(),
  );
  for (const apply of insecureOptions(new URL(credentials.server)).execute ?? []) apply(config);
  return config;
}

/** The metadata worth storing, from a discovered configuration. */
export function storedMetadata(config: oidc.Configuration): StoredServerMetadata {
  const metadata = config.serverMetadata();
  if (typeof metadata.authorization_endpoint !== 'string' || typeof metadata.token_endpoint !== 'string') {
    throw new CliError(
      'ERR_SERVER_REFUSED',
      `${metadata.issuer} advertises no authorization or token endpoint`,
    );
  }
  return {
    issuer: metadata.issuer,
    authorization_endpoint: metadata.authorization_endpoint,
    token_endpoint: metadata.token_endpoint,
    revocation_endpoint: metadata.revocation_endpoint,
    authorization_response_iss_parameter_supported: metadata.authorization_response_iss_parameter_supported,
  };
}

/**
 * Turns an openid-client or network failure into a `CliError`: an OAuth error response keeps its
 * `error` and description; `invalid_grant` means the grant is gone (revoked, expired, reused).
 */
export function serverError(error: unknown, doing: string): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof oidc.ResponseBodyError || error instanceof oidc.AuthorizationResponseError) {
    const description = error.error_description ? `: ${error.error_description}` : '';
    if (error.error === 'invalid_grant') {
      return new CliError(
        'ERR_SESSION_ENDED',
        `${doing}: the login has ended (revoked, expired or replaced)${description}; run mcp-token login`,
        { cause: error },
      );
    }
    const code = error.error === 'access_denied' ? 'ERR_AUTHORIZATION_DENIED' : 'ERR_SERVER_REFUSED';
    return new CliError(code, `${doing}: ${error.error}${description}`, { cause: error });
  }
  const network = networkErrorCode(error);
  if (network !== undefined) {
    return new CliError('ERR_SERVER_UNREACHABLE', `${doing}: ${network}`, { cause: error });
  }
  // openid-client says "invalid response encountered"; the check that failed is in the cause.
  const cause = (error as { cause?: unknown }).cause;
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return new CliError('ERR_SERVER_REFUSED', `${doing}: ${(error as Error).message}${detail}`, {
    cause: error,
  });
}

const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

/** A connection failure's code (`ECONNREFUSED` …), looked for along the `cause` chain. */
export function networkErrorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && networkCodes.has(code)) return code;
    if ((current as Error).name === 'TimeoutError') return 'ETIMEDOUT';
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
