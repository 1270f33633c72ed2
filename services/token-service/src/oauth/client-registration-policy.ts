import { isIP } from 'node:net';

/** The outcome of {@link checkClientRegistration}. */
export type ClientRegistrationDecision =
  | { readonly ok: true }
  | { readonly ok: false; readonly message: string };

/** Schemes that run code or read local data in the browser: never a redirect target. */
const forbiddenSchemes = new Set(['javascript:', 'vbscript:', 'data:', 'blob:', 'file:', 'about:']);

/**
 * Decides whether a dynamic client registration (RFC 7591) is acceptable. Registration is open, so
 * only public native clients are accepted (`token_endpoint_auth_method: none`, RFC 8252): their
 * redirect URIs must be loopback `http:` (any port, RFC 8252 §7.3), `https:`, or a private-use
 * scheme (§7.1); `javascript:`-like schemes and `http:` to any other host are refused, because an
 * open registration endpoint must not let anyone point authorization codes at a server they run
 * over plain HTTP. Pure.
 *
 * @example
 * checkClientRegistration({ token_endpoint_auth_method: 'none', redirect_uris: ['http://localhost:3000/callback'] });
 * // { ok: true }
 */
export function checkClientRegistration(metadata: {
  readonly token_endpoint_auth_method?: unknown;
  readonly redirect_uris?: unknown;
}): ClientRegistrationDecision {
  const method = metadata.token_endpoint_auth_method ?? 'none';
  if (method !== 'none') {
    return { ok: false, message: 'only public clients (token_endpoint_auth_method "none") may register' };
  }
  const uris = metadata.redirect_uris;
  if (!Array.isArray(uris) || uris.length === 0)
    return { ok: false, message: 'redirect_uris must list at least one URI' };
  for (const uri of uris) {
    const parsed = typeof uri === 'string' ? URL.parse(uri) : null;
    if (parsed === null) return { ok: false, message: 'redirect_uris must only contain absolute URIs' };
    if (forbiddenSchemes.has(parsed.protocol)) {
      return { ok: false, message: `redirect_uris must not use the ${parsed.protocol.slice(0, -1)} scheme` };
    }
    if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
      return {
        ok: false,
        message: 'redirect_uris using http must point to a loopback address (RFC 8252 §7.3)',
      };
    }
  }
  return { ok: true };
}

/** True for `localhost`, 127.0.0.0/8 and ::1 (with or without brackets). */
export function isLoopbackHost(hostname: string): boolean {
  const bare = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1';
}
