import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CookieJar } from '../../dev-idp/src/testing/index.js';
import {
  browser,
  type OAuthTestStack,
  scriptedLogin,
  startOAuthTestStack,
} from './oauth/testing/start-oauth-test-stack.js';

let stack: OAuthTestStack;

beforeAll(async () => {
  stack = await startOAuthTestStack();
});

afterAll(async () => {
  await stack?.close();
});

const redirectUri = 'http://127.0.0.1:62000/callback';

interface BrowserAtCallback {
  readonly callback: URL;
  readonly jar: CookieJar;
  readonly fetch: typeof globalThis.fetch;
  readonly traceId: string;
}

/** Starts an MCP client's authorization and signs in at the dev IdP, stopping at the upstream callback. */
async function atUpstreamCallback(login: { user: string } | { deny: true }): Promise<BrowserAtCallback> {
  const registration = await globalThis.fetch(`${stack.tokenServiceUrl}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ redirect_uris: [redirectUri], token_endpoint_auth_method: 'none' }),
  });
  const { client_id: clientId } = (await registration.json()) as { client_id: string };
  const url = new URL(`${stack.tokenServiceUrl}/oauth/authorize`);
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: 'public:read confidential:read offline_access',
    prompt: 'consent',
    state: 'client-state',
    resource: stack.mcpUrl,
    code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
  }).toString();
  const trace = stack.trace();
  const { jar, fetch } = browser(trace.header);
  const callback = await scriptedLogin(url, {
    ...login,
    cookies: jar,
    fetch,
    stopAt: `${stack.tokenServiceUrl}/oauth/upstream/callback`,
  });
  return { callback, jar, fetch, traceId: trace.traceId };
}

/** Requests `url` as the browser would (its cookies), without following redirects. */
async function open(
  at: BrowserAtCallback,
  url: URL,
): Promise<{ status: number; html: string; location: string | null }> {
  const cookie = at.jar.cookieHeader(url);
  const response = await at.fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  at.jar.storeFrom(url, response.headers);
  return { status: response.status, html: await response.text(), location: response.headers.get('location') };
}

async function loginFailure(traceId: string) {
  const events = await stack.eventsOf('login.failed', traceId);
  expect(events).toHaveLength(1);
  return events[0];
}

describe('upstream login for an MCP client', () => {
  it('refuses an upstream callback whose state differs from the one this browser sent', async () => {
    const at = await atUpstreamCallback({ user: 'alice@example.com' });
    const forged = new URL(at.callback);
    forged.searchParams.set('state', 'forged-state');
    const page = await open(at, forged);
    expect(page.status).toBe(400);
    expect(page.html).toContain('ERR_LOGIN_STATE_MISMATCH');
    expect(await loginFailure(at.traceId)).toMatchObject({
      reasonCode: 'ERR_LOGIN_STATE_MISMATCH',
      decision: 'deny',
    });
    expect(await stack.eventsOf('login.succeeded', at.traceId)).toEqual([]);
  });

  it('refuses an upstream callback without state', async () => {
    const at = await atUpstreamCallback({ user: 'alice@example.com' });
    const stripped = new URL(at.callback);
    stripped.searchParams.delete('state');
    const page = await open(at, stripped);
    expect(page.status).toBe(400);
    expect(page.html).toContain('ERR_LOGIN_STATE_MISMATCH');
    expect(await loginFailure(at.traceId)).toMatchObject({ reasonCode: 'ERR_LOGIN_STATE_MISMATCH' });
  });

  it('refuses an upstream callback in a browser that started no login (no transaction cookie)', async () => {
    const at = await atUpstreamCallback({ user: 'alice@example.com' });
    const trace = stack.trace();
    const response = await fetch(at.callback, { redirect: 'manual', headers: { traceparent: trace.header } });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('ERR_LOGIN_STATE_MISSING');
    expect(await loginFailure(trace.traceId)).toMatchObject({ reasonCode: 'ERR_LOGIN_STATE_MISSING' });
  });

  it('turns an upstream error=access_denied into no token, a page saying why, and access_denied for the client', async () => {
    const at = await atUpstreamCallback({ deny: true });
    expect(at.callback.searchParams.get('error')).toBe('access_denied');
    const page = await open(at, at.callback);
    expect(page.status).toBe(403);
    expect(page.html).toContain('ERR_LOGIN_UPSTREAM_DENIED');
    expect(await loginFailure(at.traceId)).toMatchObject({ reasonCode: 'ERR_LOGIN_UPSTREAM_DENIED' });
    // The page links back to the waiting client, which then receives the error at its redirect URI.
    const back = /href="([^"]+)"/.exec(page.html)?.[1]?.replaceAll('&amp;', '&');
    const resumed = await open(at, new URL(back ?? '', stack.tokenServiceUrl));
    const clientRedirect = new URL(resumed.location ?? '', stack.tokenServiceUrl);
    expect(clientRedirect.origin + clientRedirect.pathname).toBe(redirectUri);
    expect(clientRedirect.searchParams.get('error')).toBe('access_denied');
    expect(clientRedirect.searchParams.get('iss')).toBe(stack.tokenServiceUrl);
    expect(await stack.eventsOf('token.issued', at.traceId)).toEqual([]);
  });

  it('gives an identity that no policy rule matches no token, and a page saying why', async () => {
    const at = await atUpstreamCallback({ user: 'mallory@evil.example' });
    const page = await open(at, at.callback);
    expect(page.status).toBe(403);
    expect(page.html).toContain('No access');
    expect(page.html).toContain('ERR_LOGIN_NO_POLICY_MATCH');
    expect(page.html).toContain('mallory@evil.example');
    const failure = await loginFailure(at.traceId);
    expect(failure).toMatchObject({
      reasonCode: 'ERR_LOGIN_NO_POLICY_MATCH',
      subject: 'mallory@evil.example',
      policyVersion: '2',
    });
    expect(failure?.data).toMatchObject({ email: 'mallory@evil.example' });
    expect(await stack.eventsOf('login.succeeded', at.traceId)).toEqual([]);
    expect(await stack.store.query({ type: 'token.issued', subject: 'mallory@evil.example' })).toEqual([]);
  });
});

describe('the simple browser flow', () => {
  async function browserLogin(
    next: string,
  ): Promise<{ status: number; html: string; traceId: string; redirect: URL }> {
    const trace = stack.trace();
    const { jar, fetch } = browser(trace.header);
    const start = new URL(`${stack.tokenServiceUrl}/auth/login`);
    start.searchParams.set('next', next);
    const first = await fetch(start, { redirect: 'manual' });
    jar.storeFrom(start, first.headers);
    const redirect = new URL(first.headers.get('location') ?? '');
    const callback = await scriptedLogin(redirect, {
      user: 'alice@example.com',
      cookies: jar,
      fetch,
      stopAt: `${stack.tokenServiceUrl}/auth/callback`,
    });
    const cookie = jar.cookieHeader(callback);
    const page = await fetch(callback, { headers: cookie ? { cookie } : {} });
    return { status: page.status, html: await page.text(), traceId: trace.traceId, redirect };
  }

  it('shows the signed-in user a token for their policy scopes and the claude mcp add command', async () => {
    const { status, html, traceId } = await browserLogin('/docs?page=1');
    expect(status).toBe(200);
    const token = /<textarea[^>]*>([^<]+)<\/textarea>/.exec(html)?.[1] ?? '';
    expect(decodeJwt(token)).toMatchObject({
      sub: 'alice@example.com',
      scope: 'public:read',
      aud: stack.mcpUrl,
      pv: '2',
    });
    expect(html).toContain(
      `claude mcp add --transport http docs ${stack.mcpUrl} --header &quot;Authorization: Bearer ${token}&quot;`,
    );
    expect(html).toContain('href="/docs?page=1"');
    const [issued] = await stack.eventsOf('token.issued', traceId);
    expect(issued).toMatchObject({ subject: 'alice@example.com', tokenId: decodeJwt(token).jti });
    expect(issued?.data).toMatchObject({ issuedVia: 'browser_login' });
    expect(await stack.eventsOf('login.succeeded', traceId)).toHaveLength(1);
  });

  it('ignores a next parameter pointing to another host', async () => {
    for (const next of ['https://evil.example/phish', '//evil.example/phish', '/\\evil.example']) {
      const { status, html, redirect } = await browserLogin(next);
      expect(redirect.origin).toBe(stack.idp.url);
      expect(status).toBe(200);
      expect(html).not.toContain('evil.example');
      expect(html).not.toContain('Continue</a>');
    }
  });
});
