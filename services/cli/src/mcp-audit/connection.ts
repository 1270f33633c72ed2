import { CliError, exitCodes } from './cli-error.js';
import { credentialsFilePath, readStoredToken } from './credentials-file.js';

/** Where the audit API is and the bearer token for it. */
export interface Connection {
  readonly server: string;
  readonly token: string;
}

/**
 * The server from `--server`, `MCP_AUDIT_SERVER`, `TOKEN_ISSUER_URL`, else http://127.0.0.1:8081;
 * the token from `--token`, `MCP_AUDIT_TOKEN`, else the token-service access token of a prior
 * `mcp-token login`.
 */
export async function resolveConnection(
  flags: { readonly server?: string | undefined; readonly token?: string | undefined },
  env: Readonly<Record<string, string | undefined>>,
): Promise<Connection> {
  const server = (
    flags.server ||
    env.MCP_AUDIT_SERVER ||
    env.TOKEN_ISSUER_URL ||
    'http://127.0.0.1:8081'
  ).replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new CliError(exitCodes.usage, `--server ${JSON.stringify(server)} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new CliError(exitCodes.usage, `--server ${JSON.stringify(server)} must be an http(s) URL`);
  }
  const explicit = flags.token || env.MCP_AUDIT_TOKEN;
  if (explicit) return { server, token: explicit.trim() };
  const path = credentialsFilePath(env);
  const stored = await readStoredToken(path, server);
  if (stored.found === 'token') return { server, token: stored.token };
  if (stored.found === 'expired') {
    throw new CliError(
      exitCodes.auth,
      `the access token for ${server} in ${path} expired at ${stored.expiredAt}; log in again with mcp-token, or pass --token`,
    );
  }
  throw new CliError(
    exitCodes.auth,
    `no token for ${server}: pass --token, set MCP_AUDIT_TOKEN, or log in with mcp-token ` +
      '(a dev token: npm run --silent token -- --sub <you> --scope audit:read --resource token-service)',
  );
}
