import { CliError } from '../cli-error.js';
import { credentialsOption, defineCommand } from '../command.js';
import { credentialsPath } from '../credentials/credentials-path.js';
import { CredentialsStore } from '../credentials/credentials-store.js';
import { readTokenClaims } from '../oauth/token-claims.js';

const usage = `usage: mcp-token status [--json] [--credentials <file>]

Shows who you are logged in as: subject, scopes, policy version (pv), token id, expiry, token service
and MCP server, read from the stored credentials (no network). Exit status 1 when not logged in, or
when the access token has expired and there is no refresh token to renew it.

  --json         print the same as one JSON object
  --credentials  credentials file (default: $MCP_TOKEN_CREDENTIALS or
                 \${XDG_CONFIG_HOME:-~/.config}/mcp-token/credentials.json)`;

export const statusCommand = defineCommand({
  name: 'status',
  summary: 'who, which scopes, which policy version, when it expires',
  usage,
  options: { ...credentialsOption, json: { type: 'boolean' } },
  async run(values, context) {
    const store = new CredentialsStore(credentialsPath(values.credentials, context.env, context.cwd));
    const credentials = await store.require();
    const token = credentials.access_tokens[credentials.resource];
    const claims = token === undefined ? undefined : readTokenClaims(token.access_token);
    const now = context.now();
    const expiresAt =
      token?.expires_at ??
      (claims?.exp === undefined ? undefined : new Date(claims.exp * 1000).toISOString());
    const expired = expiresAt === undefined ? token === undefined : Date.parse(expiresAt) <= now.getTime();
    const refreshable = credentials.refresh_token !== undefined;
    const status = {
      server: credentials.server,
      resource: credentials.resource,
      subject: claims?.sub ?? credentials.subject ?? null,
      scopes: (token?.scope || claims?.scope || '').split(' ').filter(Boolean),
      policy_version: claims?.pv ?? null,
      token_id: claims?.jti ?? null,
      expires_at: expiresAt ?? null,
      expired,
      refresh_token: refreshable,
      client_id: credentials.client.client_id,
      credentials: store.path,
    };
    if (values.json) {
      context.stdout(`${JSON.stringify(status, null, 2)}\n`);
    } else {
      context.stdout(
        [
          `server:       ${status.server}`,
          `resource:     ${status.resource}`,
          `subject:      ${status.subject ?? '(unknown)'}`,
          `scopes:       ${status.scopes.join(' ') || '(none)'}`,
          `policy:       ${status.policy_version ?? '(unknown)'}`,
          `token id:     ${status.token_id ?? '(none: the next header call gets one)'}`,
          `expires:      ${describeExpiry(expiresAt, now)}`,
          `refresh:      ${refreshable ? 'yes (header renews the token when it is about to expire)' : 'no'}`,
          `credentials:  ${store.path}`,
          '',
        ].join('\n'),
      );
    }
    if (expired && !refreshable) {
      throw new CliError(
        'ERR_SESSION_ENDED',
        'the access token has expired and cannot be refreshed; run mcp-token login',
      );
    }
    return 0;
  },
});

function describeExpiry(expiresAt: string | undefined, now: Date): string {
  if (expiresAt === undefined) return 'unknown';
  const seconds = Math.round((Date.parse(expiresAt) - now.getTime()) / 1000);
  if (seconds <= 0) return `${expiresAt} (expired)`;
  const minutes = Math.floor(seconds / 60);
  return `${expiresAt} (in ${minutes > 0 ? `${minutes}m ` : ''}${seconds % 60}s)`;
}
