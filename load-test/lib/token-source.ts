import { readFile } from 'node:fs/promises';
import type { Profile } from './profiles.js';

/** Access tokens per profile name. */
export type TokenPool = ReadonlyMap<string, readonly string[]>;

/**
 * Reads tokens from a JSON file `{ "reader": "eyJ…" | ["eyJ…", …], … }` (a deployed server, where
 * tokens come from the OAuth flow).
 */
export async function tokensFromFile(path: string): Promise<TokenPool> {
  const parsed = JSON.parse(await readFile(path, 'utf8')) as unknown;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TypeError(`${path}: expected a JSON object of profile name to token(s)`);
  }
  const pool = new Map<string, string[]>();
  for (const [name, value] of Object.entries(parsed)) {
    const tokens = Array.isArray(value) ? value : [value];
    if (tokens.length === 0 || !tokens.every((t) => typeof t === 'string' && t.length > 0)) {
      throw new TypeError(`${path}: ${name} must be a token or a non-empty list of tokens`);
    }
    pool.set(name, tokens as string[]);
  }
  return pool;
}

/** Tokens from `LOAD_TOKEN_<PROFILE>` variables (`LOAD_TOKEN_READER=eyJ…`); undefined when none is set. */
export function tokensFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  profiles: readonly Profile[],
): TokenPool | undefined {
  const pool = new Map<string, string[]>();
  for (const profile of profiles) {
    const value = env[`LOAD_TOKEN_${profile.name.toUpperCase()}`];
    if (value)
      pool.set(
        profile.name,
        value.split(/[\s,]+/).filter((t) => t !== ''),
      );
  }
  return pool.size > 0 ? pool : undefined;
}

export interface MintDevTokensOptions {
  /** Token service base URL, e.g. `http://127.0.0.1:8081`. */
  readonly tokenServiceUrl: string;
  /** The local admin secret (contents of `DATA_DIR/dev-admin-secret`, base64). */
  readonly adminSecret: string;
  /** The MCP resource URL the tokens are for (`aud`). */
  readonly audience: string;
  readonly profiles: readonly Profile[];
  readonly perProfile: number;
  readonly ttlSeconds: number;
}

/** Mints tokens with `POST /dev/tokens` (local and test setups only; each is a `token.issued` event). */
export async function mintDevTokens(options: MintDevTokensOptions): Promise<TokenPool> {
  const pool = new Map<string, string[]>();
  for (const profile of options.profiles) {
    if (profile.weight === 0) continue;
    const tokens: string[] = [];
    for (let i = 0; i < options.perProfile; i++) {
      const response = await fetch(new URL('/dev/tokens', options.tokenServiceUrl), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/json', 'x-dev-admin-secret': options.adminSecret },
        body: JSON.stringify({
          sub: `load-${profile.name}-${i}@example.com`,
          scope: profile.scopes.join(' '),
          ttl_seconds: Math.min(86_400, Math.max(60, Math.ceil(options.ttlSeconds))),
          resource: options.audience,
        }),
      });
      const body = (await response.json().catch(() => ({}))) as { access_token?: string; message?: string };
      if (response.status !== 201 || typeof body.access_token !== 'string') {
        throw new Error(
          `POST /dev/tokens answered ${response.status}: ${body.message ?? 'no token'} (is the token service running with the same DATA_DIR, and does it serve ${options.audience}?)`,
        );
      }
      tokens.push(body.access_token);
    }
    pool.set(profile.name, tokens);
  }
  return pool;
}
