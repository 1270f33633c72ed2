import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/**
 * `${XDG_CONFIG_HOME:-~/.config}/mcp-token/credentials.json`, where `mcp-token login` keeps its
 * tokens (`MCP_TOKEN_CREDENTIALS` overrides, as for mcp-token itself).
 */
export function credentialsFilePath(env: Readonly<Record<string, string | undefined>>): string {
  if (env.MCP_TOKEN_CREDENTIALS) return env.MCP_TOKEN_CREDENTIALS;
  const xdg = env.XDG_CONFIG_HOME;
  const configHome =
    xdg && isAbsolute(xdg) ? xdg : join(env.HOME && isAbsolute(env.HOME) ? env.HOME : homedir(), '.config');
  return join(configHome, 'mcp-token', 'credentials.json');
}

/** What {@link accessTokenFor} found. */
export type StoredToken =
  | { readonly found: 'token'; readonly token: string }
  | { readonly found: 'expired'; readonly expiredAt: string }
  | { readonly found: 'none' };

/**
 * Picks the access token for `audience` (the token service URL) from the parsed credentials file
 * (`access_tokens: { <resource URL>: { access_token, expires_at? } }`). Tolerates anything else in
 * the file and any shape it does not know: that is simply no token.
 *
 * @example
 * accessTokenFor(JSON.parse(text), 'http://127.0.0.1:8081', new Date());
 */
export function accessTokenFor(credentials: unknown, audience: string, now: Date): StoredToken {
  const tokens = (credentials as { access_tokens?: unknown } | null)?.access_tokens;
  if (typeof tokens !== 'object' || tokens === null) return { found: 'none' };
  const wanted = normalise(audience);
  for (const [resource, entry] of Object.entries(tokens as Record<string, unknown>)) {
    if (normalise(resource) !== wanted || typeof entry !== 'object' || entry === null) continue;
    const { access_token: token, expires_at: expiresAt } = entry as Record<string, unknown>;
    if (typeof token !== 'string' || token === '') continue;
    if (typeof expiresAt === 'string' && Date.parse(expiresAt) <= now.getTime()) {
      return { found: 'expired', expiredAt: expiresAt };
    }
    return { found: 'token', token };
  }
  return { found: 'none' };
}

/** Reads the credentials file; `none` when it does not exist or is not JSON. */
export async function readStoredToken(
  path: string,
  audience: string,
  now: Date = new Date(),
): Promise<StoredToken> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return { found: 'none' };
  }
  try {
    return accessTokenFor(JSON.parse(text), audience, now);
  } catch {
    return { found: 'none' };
  }
}

function normalise(url: string): string {
  return url.replace(/\/+$/, '');
}
