/**
 * A `next` parameter reduced to a path on this service, or undefined: anything that would leave the
 * origin (another host, a scheme, `//host`, a backslash trick) is ignored, not followed (an open
 * redirect would let a phishing link end on a look-alike site after a real login). Pure.
 *
 * @example
 * safeNext('/docs?x=1', 'https://auth.example.com'); // '/docs?x=1'
 * safeNext('https://evil.example/', 'https://auth.example.com'); // undefined
 */
export function safeNext(next: unknown, origin: string): string | undefined {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || /[\\\s]/.test(next))
    return undefined;
  const base = new URL(origin);
  const resolved = URL.parse(next, base.href);
  if (resolved === null || resolved.origin !== base.origin) return undefined;
  return `${resolved.pathname}${resolved.search}`;
}
