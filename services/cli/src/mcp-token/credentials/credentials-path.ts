import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/**
 * Where the credentials file lives: `--credentials`, else `MCP_TOKEN_CREDENTIALS`, else
 * `${XDG_CONFIG_HOME:-~/.config}/mcp-token/credentials.json` (XDG Base Directory: a relative
 * `XDG_CONFIG_HOME` is ignored).
 *
 * @example
 * credentialsPath(undefined, { XDG_CONFIG_HOME: '/home/a/.config' }, '/'); // '/home/a/.config/mcp-token/credentials.json'
 */
export function credentialsPath(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): string {
  const explicit = flag ?? env.MCP_TOKEN_CREDENTIALS;
  if (explicit !== undefined && explicit !== '') return resolve(cwd, explicit);
  const xdg = env.XDG_CONFIG_HOME;
  const configHome =
    xdg !== undefined && isAbsolute(xdg)
      ? xdg
      : join(env.HOME && isAbsolute(env.HOME) ? env.HOME : homedir(), '.config');
  return join(configHome, 'mcp-token', 'credentials.json');
}
