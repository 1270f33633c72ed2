import * as oidc from 'openid-client';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { credentialsOption, defineCommand } from '../command.js';
import type { Credentials } from '../credentials/credentials.js';
import { credentialsPath } from '../credentials/credentials-path.js';
import { CredentialsStore } from '../credentials/credentials-store.js';
import { storedAccessToken, type TokenResponse } from '../oauth/access-tokens.js';
import { registerClient, serverError, storedMetadata } from '../oauth/authorization-server.js';
import { listenForCallback } from '../oauth/loopback-callback.js';
import { chooseBrowser, openBrowser } from '../oauth/open-browser.js';
import { readTokenClaims } from '../oauth/token-claims.js';
import { canonicalUrl, defaultResourceUrl, defaultServerUrl, parseServiceUrl } from '../server-url.js';

const usage = `usage: mcp-token login [--server <token service URL>] [--resource <MCP server URL>]
                       [--scope "<scopes>"] [--no-browser] [--timeout <seconds>] [--credentials <file>]

Signs you in with your company identity: OAuth 2.1 authorization code with PKCE (S256) against the
token service, which registers this CLI as a public client and redirects back to a listener on
127.0.0.1. Opens the authorization URL with $BROWSER (or xdg-open/open); with --no-browser, or when
there is no display, it only prints the URL for you to open.

The login covers the MCP server (--resource) and the token service's own APIs (for revoke); policy
decides which scopes you get. A refresh token (offline_access) lets header renew tokens unattended.

  --server       token service URL (default: $TOKEN_ISSUER_URL or ${defaultServerUrl})
  --resource     MCP server URL (default: $MCP_RESOURCE_URL or ${defaultResourceUrl})
  --scope        scopes to ask for (default: every scope the token service advertises)
  --no-browser   print the URL instead of opening a browser
  --timeout      seconds to wait for the sign-in (default 300)
  --credentials  credentials file (default: $MCP_TOKEN_CREDENTIALS or
                 \${XDG_CONFIG_HOME:-~/.config}/mcp-token/credentials.json)`;

const fallbackScopes = 'public:read confidential:read audit:read tokens:revoke offline_access';

export const loginCommand = defineCommand({
  name: 'login',
  summary: 'sign in (browser, PKCE) and store credentials',
  usage,
  options: {
    ...credentialsOption,
    server: { type: 'string' },
    resource: { type: 'string' },
    scope: { type: 'string' },
    'no-browser': { type: 'boolean' },
    timeout: { type: 'string' },
  },
  async run(values, context) {
    const server = parseServiceUrl(
      values.server ?? context.env.TOKEN_ISSUER_URL ?? defaultServerUrl,
      '--server',
    );
    const resource = canonicalUrl(
      parseServiceUrl(values.resource ?? context.env.MCP_RESOURCE_URL ?? defaultResourceUrl, '--resource'),
    );
    const timeoutSeconds = values.timeout === undefined ? 300 : Number(values.timeout);
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1) {
      throw new CliError('ERR_USAGE', `--timeout must be a whole number of seconds, got ${values.timeout}`);
    }
    const store = new CredentialsStore(credentialsPath(values.credentials, context.env, context.cwd));
    const callback = await listenForCallback(timeoutSeconds * 1000);
    try {
      const config = await registerClient(server, callback.redirectUri);
      const issuer = config.serverMetadata().issuer;
      const scope = values.scope ?? requestedScopes(config);
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const parameters = new URLSearchParams({
        redirect_uri: callback.redirectUri,
        scope,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        prompt: 'consent',
      });
      // RFC 8707: one grant for both audiences; each access token is then asked for one of them.
      parameters.append('resource', resource);
      parameters.append('resource', issuer);
      const authorizationUrl = oidc.buildAuthorizationUrl(config, parameters);
      await showAuthorizationUrl(authorizationUrl.href, values['no-browser'] === true, context);

      const received = await callback.received;
      let response: TokenResponse;
      try {
        // Checks `state` and the RFC 9207 `iss` of the response, then redeems the code with the verifier.
        response = await oidc.authorizationCodeGrant(
          config,
          received,
          { pkceCodeVerifier: verifier, expectedState: state },
          { resource },
        );
      } catch (error) {
        throw serverError(error, 'sign-in failed');
      }
      const now = context.now();
      const token = storedAccessToken(response, now);
      const subject = readTokenClaims(token.access_token)?.sub;
      const credentials: Credentials = {
        version: 1,
        server: issuer,
        authorization_server: storedMetadata(config),
        client: { client_id: config.clientMetadata().client_id, redirect_uri: callback.redirectUri },
        resource,
        ...(subject === undefined ? {} : { subject }),
        ...(response.refresh_token === undefined ? {} : { refresh_token: response.refresh_token }),
        access_tokens: { [resource]: token },
        updated_at: now.toISOString(),
      };
      await store.locked(() => store.write(credentials));
      context.stdout(
        [
          `Logged in to ${issuer} as ${subject ?? '(unknown subject)'}`,
          `  scopes:      ${token.scope || '(none)'}`,
          `  resource:    ${resource}`,
          `  expires:     ${token.expires_at ?? 'unknown'}`,
          `  refresh:     ${response.refresh_token === undefined ? 'no refresh token issued' : 'yes (rotated on use)'}`,
          `  credentials: ${store.path}`,
          'Next: mcp-token configure   (registers the MCP server in Claude Code with these credentials)',
          '',
        ].join('\n'),
      );
      return 0;
    } finally {
      await callback.close();
    }
  },
});

/** Every scope the token service advertises (RFC 8414 `scopes_supported`), with `offline_access`. */
function requestedScopes(config: oidc.Configuration): string {
  const advertised = config.serverMetadata().scopes_supported;
  if (!Array.isArray(advertised) || advertised.length === 0) return fallbackScopes;
  return [...new Set([...advertised, 'offline_access'])].join(' ');
}

async function showAuthorizationUrl(url: string, noBrowser: boolean, context: CliContext): Promise<void> {
  const choice = chooseBrowser(context.env, process.platform, noBrowser);
  const opened = choice.open ? await openBrowser(choice.command, url) : false;
  context.stderr(
    opened
      ? `Opened your browser to sign in. If nothing appeared, open this URL:\n${url}\n`
      : `Open this URL in a browser to sign in${choice.open ? ` (could not start ${choice.command})` : ''}:\n${url}\n`,
  );
  context.stderr('Waiting for the sign-in to finish…\n');
}
