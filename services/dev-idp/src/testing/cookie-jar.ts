import { isLoopbackHost } from '../loopback.js';

interface StoredCookie {
  readonly name: string;
  readonly value: string;
  /** Lower-case host (host-only cookie) or domain (with `hostOnly: false`). */
  readonly domain: string;
  readonly hostOnly: boolean;
  readonly path: string;
  readonly secure: boolean;
  /** Epoch milliseconds; undefined for a session cookie. */
  readonly expiresAt: number | undefined;
}

/**
 * A browser's cookie store, as RFC 6265 §5 defines it (minus the public suffix list and SameSite):
 * cookies belong to a host (or a `Domain`) and a path, not to a port, exactly as in a browser, so
 * two servers on `127.0.0.1` with different ports see each other's cookies and a test notices when
 * their cookie names collide. `Secure` cookies are sent over https and to loopback hosts only.
 *
 * @example
 * const jar = new CookieJar();
 * jar.storeFrom(url, response.headers);
 * const cookie = jar.cookieHeader(nextUrl); // "a=1; b=2" or undefined
 */
export class CookieJar {
  #cookies: StoredCookie[] = [];
  readonly #now: () => number;

  /** @param now clock in epoch milliseconds (tests inject one) */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Stores every `Set-Cookie` of a response received from `url`. */
  storeFrom(url: URL, headers: Headers): void {
    for (const header of headers.getSetCookie()) this.setCookie(url, header);
  }

  /** Stores one `Set-Cookie` header value received from `url`; ignores what a browser would ignore. */
  setCookie(url: URL, header: string): void {
    const [pair = '', ...attributes] = header.split(';');
    const equals = pair.indexOf('=');
    if (equals <= 0) return;
    const name = pair.slice(0, equals).trim();
    const value = pair.slice(equals + 1).trim();
    const host = url.hostname.toLowerCase();
    let domain = host;
    let hostOnly = true;
    let path = defaultPath(url.pathname);
    let secure = false;
    let expiresAt: number | undefined;
    let maxAgeSeen = false;
    for (const attribute of attributes) {
      const at = attribute.indexOf('=');
      const key = (at === -1 ? attribute : attribute.slice(0, at)).trim().toLowerCase();
      const raw = at === -1 ? '' : attribute.slice(at + 1).trim();
      if (key === 'max-age' && /^-?\d+$/.test(raw)) {
        maxAgeSeen = true;
        expiresAt = Number(raw) <= 0 ? 0 : this.#now() + Number(raw) * 1000;
      } else if (key === 'expires' && !maxAgeSeen) {
        const parsed = Date.parse(raw);
        if (!Number.isNaN(parsed)) expiresAt = parsed;
      } else if (key === 'domain' && raw !== '') {
        const candidate = raw.replace(/^\./, '').toLowerCase();
        if (!domainMatches(host, candidate)) return;
        domain = candidate;
        hostOnly = candidate === host;
      } else if (key === 'path') {
        path = raw.startsWith('/') ? raw : defaultPath(url.pathname);
      } else if (key === 'secure') {
        secure = true;
      }
    }
    this.#cookies = this.#cookies.filter(
      (cookie) => !(cookie.name === name && cookie.domain === domain && cookie.path === path),
    );
    if (expiresAt !== undefined && expiresAt <= this.#now()) return;
    this.#cookies.push({ name, value, domain, hostOnly, path, secure, expiresAt });
  }

  /** The `Cookie` header a browser would send to `url`, or undefined when no cookie applies. */
  cookieHeader(url: URL): string | undefined {
    const now = this.#now();
    this.#cookies = this.#cookies.filter(
      (cookie) => cookie.expiresAt === undefined || cookie.expiresAt > now,
    );
    const host = url.hostname.toLowerCase();
    const secureChannel = url.protocol === 'https:' || isLoopbackHost(host);
    const matching = this.#cookies
      .filter(
        (cookie) =>
          (cookie.hostOnly ? cookie.domain === host : domainMatches(host, cookie.domain)) &&
          pathMatches(url.pathname, cookie.path) &&
          (!cookie.secure || secureChannel),
      )
      // RFC 6265 §5.4: longer paths first.
      .sort((a, b) => b.path.length - a.path.length);
    return matching.length === 0
      ? undefined
      : matching.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ');
  }

  /** Names of the cookies stored for a host (for assertions and debugging). */
  namesFor(host: string): string[] {
    return this.#cookies
      .filter((cookie) => domainMatches(host.toLowerCase(), cookie.domain))
      .map((c) => c.name);
  }

  clear(): void {
    this.#cookies = [];
  }
}

// RFC 6265 §5.1.3; an IP address matches only itself.
function domainMatches(host: string, domain: string): boolean {
  if (host === domain) return true;
  if (/^[\d.]+$/.test(host) || host.includes(':')) return false;
  return host.endsWith(`.${domain}`);
}

// RFC 6265 §5.1.4.
function defaultPath(requestPath: string): string {
  if (!requestPath.startsWith('/')) return '/';
  const last = requestPath.lastIndexOf('/');
  return last <= 0 ? '/' : requestPath.slice(0, last);
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath.charAt(cookiePath.length) === '/';
}
