import { isIP } from 'node:net';
import { CliError } from './cli-error.js';

/** Where the token service is when neither `--server` nor `TOKEN_ISSUER_URL` says. */
export const defaultServerUrl = 'http://127.0.0.1:8081';
/** The MCP server when neither `--resource` nor `MCP_RESOURCE_URL` says. */
export const defaultResourceUrl = 'http://127.0.0.1:8080/mcp';

/**
 * Parses a server or resource URL given on the command line: absolute, `https:` or plain `http:` to a
 * loopback address (local development), no fragment. A trailing slash on a bare origin is dropped,
 * as the token service's issuer has none.
 */
export function parseServiceUrl(value: string, what: string): URL {
  const url = URL.parse(value);
  if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.hash !== '') {
    throw new CliError(
      'ERR_USAGE',
      `${what} must be an absolute http(s) URL without a fragment, got ${JSON.stringify(value)}`,
    );
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw new CliError(
      'ERR_USAGE',
      `${what} must use https unless it is on this machine (loopback), got ${value}`,
    );
  }
  return url;
}

/** `href` without the trailing slash URL adds to a bare origin (`http://host:8081/` → `http://host:8081`). */
export function canonicalUrl(url: URL): string {
  return url.pathname === '/' && url.search === '' ? url.origin : url.href;
}

export function isLoopback(hostname: string): boolean {
  const bare = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1';
}
