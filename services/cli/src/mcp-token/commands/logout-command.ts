import { tokenRevocation } from 'openid-client';
import type { CliError } from '../cli-error.js';
import { credentialsOption, defineCommand } from '../command.js';
import { credentialsPath } from '../credentials/credentials-path.js';
import { CredentialsStore } from '../credentials/credentials-store.js';
import { configurationFrom, serverError } from '../oauth/authorization-server.js';

const usage = `usage: mcp-token logout [--credentials <file>]

Revokes your refresh token at the token service (RFC 7009; this ends the whole login, and the access
tokens it produced are recorded as revoked) and deletes the local credentials. The credentials are
deleted even when the token service cannot be reached; the exit status is then 1.

  --credentials  credentials file (default: $MCP_TOKEN_CREDENTIALS or
                 \${XDG_CONFIG_HOME:-~/.config}/mcp-token/credentials.json)`;

export const logoutCommand = defineCommand({
  name: 'logout',
  summary: 'revoke the refresh token and delete local credentials',
  usage,
  options: { ...credentialsOption },
  async run(values, context) {
    const store = new CredentialsStore(credentialsPath(values.credentials, context.env, context.cwd));
    return store.locked(async () => {
      const credentials = await store.require();
      let failure: CliError | undefined;
      if (credentials.refresh_token !== undefined) {
        try {
          await tokenRevocation(configurationFrom(credentials), credentials.refresh_token, {
            token_type_hint: 'refresh_token',
          });
        } catch (error) {
          failure = serverError(error, 'revoking the refresh token');
        }
      }
      await store.delete();
      context.stdout(
        `${failure === undefined ? 'Logged out: refresh token revoked at ' : 'Removed local credentials, but could not revoke the refresh token at '}` +
          `${credentials.server}; deleted ${store.path}.\n`,
      );
      if (failure !== undefined) throw failure;
      return 0;
    });
  },
});
