import { isIP } from 'node:net';

/**
 * Whether a host name or address is loopback: `localhost`, `127.0.0.0/8` or `::1` (RFC 6761 §6.3,
 * RFC 5735, RFC 4291). Accepts the bracketed IPv6 form a URL's `hostname` has.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || bare === '0:0:0:0:0:0:0:1' || bare.startsWith('::ffff:127.');
  return false;
}
