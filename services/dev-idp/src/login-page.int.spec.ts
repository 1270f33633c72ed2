import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml } from '../../shared/http/index.js';
import { DEV_USERS, type DevUser } from './dev-users.js';
import { type RunningDevIdp, startDevIdp } from './start-dev-idp.js';
import { CookieJar } from './testing/cookie-jar.js';
import { parseHtmlForms } from './testing/html-forms.js';

const redirectUri = 'http://127.0.0.1:9/auth/callback';
const hostile: DevUser = {
  sub: 'dev-hostile',
  email: 'x"onmouseover="alert(1)@example.com',
  emailVerified: true,
  name: '<script>alert("name")</script>',
  givenName: '<b>',
  familyName: '&amp;',
  groups: ['<img src=x onerror=alert(2)>'],
  description: "it's <i>bold</i>",
};
const idps: RunningDevIdp[] = [];

afterAll(async () => {
  await Promise.all(idps.map((idp) => idp.close()));
});

/** Starts an IdP with `users` and opens its login page in a fresh browser. */
async function loginPage(users?: readonly DevUser[]) {
  const idp = await startDevIdp({
    port: 0,
    appEnv: 'test',
    clients: [{ client_id: 'rp', client_secret: 'secret', redirect_uris: [redirectUri] }],
    ...(users && { users }),
  });
  idps.push(idp);
  const config = await oidc.discovery(new URL(idp.url), 'rp', 'secret', undefined, {
    execute: [oidc.allowInsecureRequests],
  });
  const authorize = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid email profile groups',
    code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
  });
  const jar = new CookieJar();
  const redirect = await fetch(authorize, { redirect: 'manual' });
  jar.storeFrom(authorize, redirect.headers);
  const pageUrl = new URL(redirect.headers.get('location') as string, authorize);
  const response = await fetch(pageUrl, { headers: { cookie: jar.cookieHeader(pageUrl) ?? '' } });
  return { response, html: await response.text(), pageUrl };
}

describe('login page', () => {
  let page: Awaited<ReturnType<typeof loginPage>>;
  beforeAll(async () => {
    page = await loginPage();
  });

  it('lists every dev user as a submit button posting user=<email>, plus a Deny button', () => {
    expect(page.response.status).toBe(200);
    const forms = parseHtmlForms(page.html, page.pageUrl);
    expect(forms).toHaveLength(1);
    expect(forms[0]?.method).toBe('POST');
    expect(forms[0]?.action.href).toBe(page.pageUrl.href);
    expect(forms[0]?.buttons).toEqual([
      ...DEV_USERS.map((user) => ({ name: 'user', value: user.email })),
      { name: 'action', value: 'deny' },
    ]);
    for (const user of DEV_USERS) expect(page.html).toContain(user.name);
  });

  it('shows the client and the requested scopes', () => {
    expect(page.html).toContain('<code>rp</code>');
    expect(page.html).toContain('openid email profile groups');
  });

  it('is served with no-store, a script-free CSP and no framing', () => {
    const headers = page.response.headers;
    expect(headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(headers.get('cache-control')).toBe('no-store');
    expect(headers.get('content-security-policy')).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
    expect(headers.get('content-security-policy')).not.toMatch(/script-src|unsafe-inline/);
    expect(headers.get('x-frame-options')).toBe('DENY');
    expect(page.html).not.toMatch(/<script/i);
  });

  it('escapes every user-supplied value', async () => {
    const { html, pageUrl } = await loginPage([hostile, ...DEV_USERS]);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<i>bold');
    expect(html).not.toContain('"onmouseover=');
    expect(html).toContain(escapeHtml(hostile.name));
    expect(html).toContain(escapeHtml(hostile.groups[0] as string));
    // The escaped value still round-trips to the exact email through the form.
    const buttons = parseHtmlForms(html, pageUrl)[0]?.buttons ?? [];
    expect(buttons[0]).toEqual({ name: 'user', value: hostile.email });
  });
});

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters and the backtick', () => {
    expect(escapeHtml(`<a href="x" title='y'>&\`</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;',
    );
  });
});
