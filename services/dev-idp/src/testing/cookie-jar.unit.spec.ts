import { describe, expect, it } from 'vitest';
import { CookieJar } from './cookie-jar.js';

const at = (href: string) => new URL(href);

describe('CookieJar', () => {
  it('shares host-only cookies across ports but not across hosts, as browsers do', () => {
    const jar = new CookieJar();
    jar.setCookie(at('http://127.0.0.1:8082/auth'), 'a=1; Path=/');
    expect(jar.cookieHeader(at('http://127.0.0.1:8081/x'))).toBe('a=1');
    expect(jar.cookieHeader(at('http://localhost:8082/x'))).toBeUndefined();
  });

  it('sends a cookie only under its path, longest path first', () => {
    const jar = new CookieJar();
    jar.setCookie(at('http://h.test/'), 'sid=root; Path=/');
    jar.setCookie(at('http://h.test/'), 'int=one; Path=/interaction/one');
    expect(jar.cookieHeader(at('http://h.test/interaction/one'))).toBe('int=one; sid=root');
    expect(jar.cookieHeader(at('http://h.test/interaction/one/x'))).toBe('int=one; sid=root');
    expect(jar.cookieHeader(at('http://h.test/interaction/onex'))).toBe('sid=root');
    expect(jar.cookieHeader(at('http://h.test/interaction/two'))).toBe('sid=root');
  });

  it('defaults the path to the directory of the request (RFC 6265 §5.1.4)', () => {
    const jar = new CookieJar();
    jar.setCookie(at('http://h.test/a/b/c'), 'x=1');
    expect(jar.cookieHeader(at('http://h.test/a/b/d'))).toBe('x=1');
    expect(jar.cookieHeader(at('http://h.test/a/c'))).toBeUndefined();
  });

  it('replaces a cookie of the same name, host and path, and deletes it on Max-Age=0', () => {
    const jar = new CookieJar();
    jar.setCookie(at('http://h.test/'), 's=1; Path=/');
    jar.setCookie(at('http://h.test/'), 's=2; Path=/');
    expect(jar.cookieHeader(at('http://h.test/'))).toBe('s=2');
    jar.setCookie(at('http://h.test/'), 's=; Path=/; Max-Age=0');
    expect(jar.cookieHeader(at('http://h.test/'))).toBeUndefined();
  });

  it('expires cookies by Max-Age (over Expires) and by Expires on the injected clock', () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const jar = new CookieJar(() => now);
    jar.setCookie(at('http://h.test/'), 'm=1; Path=/; Max-Age=60; Expires=Thu, 01 Jan 2026 00:00:10 GMT');
    jar.setCookie(at('http://h.test/'), 'e=1; Path=/; Expires=Thu, 01 Jan 2026 00:00:30 GMT');
    now += 20_000;
    expect(jar.cookieHeader(at('http://h.test/'))).toBe('m=1; e=1');
    now += 20_000;
    expect(jar.cookieHeader(at('http://h.test/'))).toBe('m=1');
    now += 30_000;
    expect(jar.cookieHeader(at('http://h.test/'))).toBeUndefined();
  });

  it('honours a Domain attribute for subdomains and ignores one for a foreign domain', () => {
    const jar = new CookieJar();
    jar.setCookie(at('http://login.example.test/'), 'd=1; Domain=.example.test; Path=/');
    jar.setCookie(at('http://login.example.test/'), 'evil=1; Domain=other.test; Path=/');
    expect(jar.cookieHeader(at('http://api.example.test/'))).toBe('d=1');
    expect(jar.cookieHeader(at('http://other.test/'))).toBeUndefined();
  });

  it('sends Secure cookies over https and to loopback only', () => {
    const jar = new CookieJar();
    jar.setCookie(at('https://h.test/'), 's=1; Path=/; Secure');
    jar.setCookie(at('http://127.0.0.1/'), 'l=1; Path=/; Secure');
    expect(jar.cookieHeader(at('http://h.test/'))).toBeUndefined();
    expect(jar.cookieHeader(at('https://h.test/'))).toBe('s=1');
    expect(jar.cookieHeader(at('http://127.0.0.1/'))).toBe('l=1');
  });

  it('stores every Set-Cookie header of a response', () => {
    const jar = new CookieJar();
    const headers = new Headers();
    headers.append('set-cookie', 'a=1; Path=/');
    headers.append('set-cookie', 'b=2; Path=/; HttpOnly; SameSite=Lax');
    jar.storeFrom(at('http://h.test/'), headers);
    expect(jar.cookieHeader(at('http://h.test/'))).toBe('a=1; b=2');
  });
});
