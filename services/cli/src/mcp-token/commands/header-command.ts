import { CliError } from '../cli-error.js';
import { credentialsOption, defineCommand } from '../command.js';
import { credentialsPath } from '../credentials/credentials-path.js';
import { CredentialsStore } from '../credentials/credentials-store.js';
import { freshAccessToken } from '../oauth/access-tokens.js';

const usage = `usage: mcp-token header [--min-validity <seconds>] [--credentials <file>]

Prints {"Authorization":"Bearer <token>"} for the MCP server you logged in to: what Claude Code's
headersHelper runs before connecting. When the stored access token expires within --min-validity
seconds (default 60) it is refreshed first, and the rotated refresh token is stored atomically;
concurrent runs refresh once. Exit status 1 (and nothing on stdout) when no valid token can be had.

  --credentials  credentials file (default: $MCP_TOKEN_CREDENTIALS or
                 \${XDG_CONFIG_HOME:-~/.config}/mcp-token/credentials.json)`;

export const headerCommand = defineCommand({
  name: 'header',
  summary: 'print a fresh Authorization header as JSON (Claude Code headersHelper)',
  usage,
  options: { ...credentialsOption, 'min-validity': { type: 'string' } },
  async run(values, context) {
    const minValiditySeconds = values['min-validity'] === undefined ? 60 : Number(values['min-validity']);
    if (!Number.isInteger(minValiditySeconds) || minValiditySeconds < 0) {
      throw new CliError(
        'ERR_USAGE',
        `--min-validity must be a whole number of seconds, got ${values['min-validity']}`,
      );
    }
    const store = new CredentialsStore(credentialsPath(values.credentials, context.env, context.cwd));
    const current = await store.require();
    const { token } = await freshAccessToken(store, current.resource, {
      now: context.now,
      minValiditySeconds,
    });
    context.stdout(`${JSON.stringify({ Authorization: `Bearer ${token.access_token}` })}\n`);
    return 0;
  },
});
