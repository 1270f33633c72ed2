import type * as oidc from 'openid-client';
import { refreshTokenGrant } from 'openid-client';
import { CliError } from '../cli-error.js';
import type { Credentials, StoredAccessToken } from '../credentials/credentials.js';
import type { CredentialsStore } from '../credentials/credentials-store.js';
import { configurationFrom, serverError } from './authorization-server.js';

/** A token endpoint response as openid-client returns it. */
export type TokenResponse = oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;

/** What is kept of a token endpoint response's access token. */
export function storedAccessToken(response: TokenResponse, now: Date): StoredAccessToken {
  const expiresIn = response.expiresIn();
  return {
    access_token: response.access_token,
    token_type: response.token_type,
    ...(expiresIn === undefined
      ? {}
      : { expires_at: new Date(now.getTime() + expiresIn * 1000).toISOString() }),
    scope: response.scope ?? '',
  };
}

/** Whether `token` expires within `seconds` of `now` (a token without a known expiry never does). */
export function expiresWithin(token: StoredAccessToken, seconds: number, now: Date): boolean {
  if (token.expires_at === undefined) return false;
  return Date.parse(token.expires_at) - now.getTime() <= seconds * 1000;
}

/**
 * An access token for `resource` valid for at least `minValiditySeconds`: the stored one, or a new
 * one from the refresh token (RFC 6749 §6 with RFC 8707 `resource`), whose rotated successor is
 * stored atomically before the token is returned. Runs under the credentials lock and re-reads the
 * file inside it, so concurrent callers refresh once and share the result.
 */
export async function freshAccessToken(
  store: CredentialsStore,
  resource: string,
  options: { readonly now: () => Date; readonly minValiditySeconds: number },
): Promise<{ token: StoredAccessToken; credentials: Credentials; refreshed: boolean }> {
  const usable = (credentials: Credentials) => {
    const token = credentials.access_tokens[resource];
    return token !== undefined && !expiresWithin(token, options.minValiditySeconds, options.now())
      ? token
      : undefined;
  };
  const before = await store.require();
  const cached = usable(before);
  if (cached !== undefined) return { token: cached, credentials: before, refreshed: false };
  return store.locked(async () => {
    const credentials = await store.require();
    const current = usable(credentials);
    if (current !== undefined) return { token: current, credentials, refreshed: false };
    if (credentials.refresh_token === undefined) {
      throw new CliError(
        'ERR_SESSION_ENDED',
        'the access token has expired and there is no refresh token; run mcp-token login',
      );
    }
    let response: TokenResponse;
    try {
      response = await refreshTokenGrant(configurationFrom(credentials), credentials.refresh_token, {
        resource,
      });
    } catch (error) {
      throw serverError(error, `refreshing the token for ${resource}`);
    }
    const token = storedAccessToken(response, options.now());
    const updated: Credentials = {
      ...credentials,
      refresh_token: response.refresh_token ?? credentials.refresh_token,
      access_tokens: { ...credentials.access_tokens, [resource]: token },
      updated_at: options.now().toISOString(),
    };
    await store.write(updated);
    return { token, credentials: updated, refreshed: true };
  });
}
