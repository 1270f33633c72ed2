import { tokenRevocation } from 'openid-client';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { credentialsOption, defineCommand } from '../command.js';
import type { Credentials } from '../credentials/credentials.js';
import { credentialsPath } from '../credentials/credentials-path.js';
import { CredentialsStore } from '../credentials/credentials-store.js';
import { freshAccessToken } from '../oauth/access-tokens.js';
import { configurationFrom, networkErrorCode, serverError } from '../oauth/authorization-server.js';
import { readTokenClaims } from '../oauth/token-claims.js';

const usage = `usage: mcp-token revoke (--token-id <jti> | --subject <sub> | --self) [--reason <text>]
                        [--credentials <file>]

  --token-id <jti>  revoke one access token, by its token id (jti)
  --subject <sub>   revoke every token of a subject issued until now, and end its refresh tokens
  --self            revoke your own current access token (RFC 7009); your login stays, and the
                    next header call gets a new token
  --reason <text>   recorded with the revocation (at most 200 characters)

--token-id and --subject call the token service's POST /admin/revocations with a token for the
token service itself, obtained with your login's refresh token: policy must grant you tokens:revoke.
Every revocation is an audit event naming you; MCP servers refuse revoked tokens within seconds.

  --credentials  credentials file (default: $MCP_TOKEN_CREDENTIALS or
                 \${XDG_CONFIG_HOME:-~/.config}/mcp-token/credentials.json)`;

export const revokeCommand = defineCommand({
  name: 'revoke',
  summary: 'revoke a token by id, every token of a subject, or your own (--self)',
  usage,
  options: {
    ...credentialsOption,
    'token-id': { type: 'string' },
    subject: { type: 'string' },
    self: { type: 'boolean' },
    reason: { type: 'string' },
  },
  async run(values, context) {
    const chosen = [values['token-id'] !== undefined, values.subject !== undefined, values.self === true];
    if (chosen.filter(Boolean).length !== 1) {
      throw new CliError('ERR_USAGE', `give exactly one of --token-id, --subject and --self\n\n${usage}`);
    }
    if (values.reason !== undefined && values.reason.length > 200) {
      throw new CliError('ERR_USAGE', '--reason must be at most 200 characters');
    }
    const store = new CredentialsStore(credentialsPath(values.credentials, context.env, context.cwd));
    if (values.self) return revokeOwnToken(store, context);
    const body = {
      ...(values['token-id'] === undefined ? { subject: values.subject } : { token_id: values['token-id'] }),
      ...(values.reason === undefined ? {} : { reason: values.reason }),
    };
    const current = await store.require();
    // A token whose audience is the token service (RFC 8707), never the MCP server's token.
    const { token } = await freshAccessToken(store, current.server, {
      now: context.now,
      minValiditySeconds: 30,
    });
    const result = await postRevocation(current, token.access_token, body);
    const revoked = result.revoked;
    context.stdout(
      revoked.token_id !== undefined
        ? `Revoked token ${revoked.token_id} (event ${result.event_id}).\n`
        : `Revoked every token of ${revoked.subject} issued until ${revoked.revoked_before} ` +
            `(event ${result.event_id}; ${revoked.grants_revoked ?? 0} refresh grant(s) and ` +
            `${revoked.sessions_ended ?? 0} session(s) ended).\n`,
    );
    return 0;
  },
});

interface RevocationResponse {
  readonly event_id: string;
  readonly revoked: {
    readonly token_id?: string;
    readonly subject?: string;
    readonly revoked_before?: string;
    readonly grants_revoked?: number;
    readonly sessions_ended?: number;
  };
}

async function postRevocation(
  credentials: Credentials,
  accessToken: string,
  body: Record<string, unknown>,
): Promise<RevocationResponse> {
  const url = new URL('/admin/revocations', credentials.server);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new CliError(
      'ERR_SERVER_UNREACHABLE',
      `${url.href}: ${networkErrorCode(error) ?? (error as Error).message}`,
    );
  }
  const payload = (await response.json().catch(() => ({}))) as Partial<RevocationResponse> & {
    error?: string;
    message?: string;
  };
  if (response.ok && typeof payload.event_id === 'string' && payload.revoked !== undefined) {
    return payload as RevocationResponse;
  }
  const detail = `${payload.error ?? `HTTP ${response.status}`}: ${payload.message ?? response.statusText}`;
  if (response.status === 403) {
    throw new CliError(
      'ERR_SCOPE_NOT_GRANTED',
      `the token service refused: your login does not grant tokens:revoke (${detail}). Policy decides who may revoke; if it changed, run mcp-token login again`,
    );
  }
  if (response.status === 401) {
    throw new CliError(
      'ERR_SESSION_ENDED',
      `the token service did not accept your token (${detail}); run mcp-token login`,
    );
  }
  throw new CliError('ERR_SERVER_REFUSED', `the token service refused the revocation (${detail})`);
}

/** RFC 7009 revocation of the stored MCP access token, which is then dropped from the credentials. */
async function revokeOwnToken(store: CredentialsStore, context: CliContext): Promise<number> {
  return store.locked(async () => {
    const credentials = await store.require();
    const token = credentials.access_tokens[credentials.resource];
    if (token === undefined) {
      throw new CliError(
        'ERR_NOT_LOGGED_IN',
        'there is no current access token to revoke (header gets a new one)',
      );
    }
    try {
      await tokenRevocation(configurationFrom(credentials), token.access_token, {
        token_type_hint: 'access_token',
      });
    } catch (error) {
      throw serverError(error, 'revoking your access token');
    }
    const { [credentials.resource]: _revoked, ...rest } = credentials.access_tokens;
    await store.write({ ...credentials, access_tokens: rest, updated_at: context.now().toISOString() });
    const jti = readTokenClaims(token.access_token)?.jti ?? '(unknown id)';
    context.stdout(
      `Revoked your access token ${jti}; the next header call gets a new one from your login.\n`,
    );
    return 0;
  });
}
