import * as oidc from 'openid-client';
import { browser, type OAuthTestStack, scriptedLogin } from './start-oauth-test-stack.js';

/** A public native client registered at the stack's token service, as a CLI or Claude Code would be. */
export interface RegisteredClient {
  readonly config: oidc.Configuration;
  readonly clientId: string;
  readonly redirectUri: string;
}

/** Registers a public native client (RFC 7591) with a loopback redirect URI nobody listens on. */
export async function registerTestClient(stack: OAuthTestStack): Promise<RegisteredClient> {
  const redirectUri = 'http://127.0.0.1:61002/callback';
  const config = await oidc.dynamicClientRegistration(
    new URL(stack.tokenServiceUrl),
    {
      client_name: 'test client',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    },
    oidc.None(),
    { algorithm: 'oauth2', execute: [oidc.allowInsecureRequests] },
  );
  return { config, clientId: config.clientMetadata().client_id, redirectUri };
}

export interface AuthorizeOptions {
  readonly user: string;
  readonly scope: string;
  /** RFC 8707 `resource` values of the authorization request (each its own parameter). */
  readonly resources: readonly string[];
  readonly traceparent?: string;
}

/** What came back to the client's redirect URI, and the PKCE/state to redeem it with. */
export interface AuthorizationOutcome {
  readonly callback: URL;
  readonly verifier: string;
  readonly state: string;
}

/** Runs an authorization request with PKCE S256 through a scripted browser signing in as `user`. */
export async function authorizeAs(
  client: RegisteredClient,
  options: AuthorizeOptions,
): Promise<AuthorizationOutcome> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const parameters = new URLSearchParams({
    redirect_uri: client.redirectUri,
    scope: options.scope,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    prompt: 'consent',
  });
  for (const resource of options.resources) parameters.append('resource', resource);
  const { jar, fetch } = browser(options.traceparent);
  const target = new URL(client.redirectUri);
  const callback = await scriptedLogin(oidc.buildAuthorizationUrl(client.config, parameters), {
    user: options.user,
    cookies: jar,
    fetch,
    stopAt: (url) => url.host === target.host && url.pathname === target.pathname,
  });
  return { callback, verifier, state };
}

/** Redeems an authorization code for the token of `resource` (state and RFC 9207 `iss` checked). */
export function redeem(
  client: RegisteredClient,
  outcome: AuthorizationOutcome,
  resource: string,
): Promise<oidc.TokenEndpointResponse> {
  return oidc.authorizationCodeGrant(
    client.config,
    outcome.callback,
    { pkceCodeVerifier: outcome.verifier, expectedState: outcome.state },
    { resource },
  );
}
