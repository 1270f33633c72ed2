import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickButton, type ScriptedPage } from '../../dev-idp/src/testing/index.js';
import {
  browser,
  type OAuthTestStack,
  scriptedLogin,
  startOAuthTestStack,
} from './oauth/testing/start-oauth-test-stack.js';

let stack: OAuthTestStack;
let clientId: string;
// A client whose codes leave the user's machine: what an attacker registers to phish a code.
const redirectUri = 'https://client.example/oauth/callback';

beforeAll(async () => {
  stack = await startOAuthTestStack();
  const response = await fetch(`${stack.tokenServiceUrl}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'Example <App>',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      redirect_uris: [redirectUri],
    }),
  });
  expect(response.status).toBe(201);
  clientId = String(((await response.json()) as { client_id: string }).client_id);
});

afterAll(async () => {
  await stack?.close();
});

async function authorizationUrl(extra: Record<string, string> = {}): Promise<{ url: URL; verifier: string }> {
  const verifier = oidc.randomPKCECodeVerifier();
  const url = new URL(`${stack.tokenServiceUrl}/oauth/authorize`);
  for (const [name, value] of Object.entries({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: 'public:read',
    state: 'client-state',
    resource: stack.mcpUrl,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...extra,
  }))
    url.searchParams.set(name, value);
  return { url, verifier };
}

/** One browser profile: signs in at the dev IdP as alice, answers consent pages with `answer`. */
function person(answer: 'allow' | 'deny') {
  const { jar, fetch } = browser();
  const consentPages: ScriptedPage[] = [];
  const signIn = (url: URL) =>
    scriptedLogin(url, {
      user: 'alice@example.com',
      cookies: jar,
      fetch,
      stopAt: redirectUri,
      onPage: (page) => {
        if (!page.url.pathname.startsWith('/oauth/interaction/')) return undefined;
        consentPages.push(page);
        return clickButton(page.forms, 'decision', answer);
      },
    });
  return { jar, fetch, consentPages, signIn };
}

/**
 * A browser signed in as alice, stopped on the consent page of a new authorization: the page's
 * Allow action, for a test to post itself.
 */
async function signedInAtConsent(): Promise<{ alice: ReturnType<typeof person>; action: URL }> {
  const alice = person('allow');
  await alice.signIn((await authorizationUrl()).url);
  let action: URL | undefined;
  await expect(
    scriptedLogin((await authorizationUrl()).url, {
      user: 'alice@example.com',
      cookies: alice.jar,
      fetch: alice.fetch,
      stopAt: redirectUri,
      onPage: (page) => {
        action = clickButton(page.forms, 'decision', 'allow')?.action;
        return undefined; // falls back to the dev IdP form: no such button, the script stops
      },
    }),
  ).rejects.toThrow(/no button/);
  if (action === undefined) throw new Error('no consent page');
  return { alice, action };
}

/** Posts Allow to `action` with this `Origin` header, as a browser with alice's cookies. */
function postConsent(alice: ReturnType<typeof person>, action: URL, origin: string): Promise<Response> {
  return alice.fetch(action, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin,
      cookie: alice.jar.cookieHeader(action) ?? '',
    },
    body: 'decision=allow',
    redirect: 'manual',
  });
}

describe('a client whose redirect URI is not on the user’s machine', () => {
  it('gets a code only after the signed-in user allows it on a page naming it and where the code goes', async () => {
    const alice = person('allow');
    const { url, verifier } = await authorizationUrl();
    const callback = await alice.signIn(url);
    expect(alice.consentPages).toHaveLength(1);
    const [page] = alice.consentPages;
    expect(page?.html).toContain('Example &lt;App&gt;');
    expect(page?.html).toContain('client.example');
    expect(page?.html).toContain('alice@example.com');
    expect(page?.html).toContain('public:read');
    const code = callback.searchParams.get('code');
    expect(code).toBeTruthy();

    const token = await fetch(`${stack.tokenServiceUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: clientId,
        code: code ?? '',
        code_verifier: verifier,
        redirect_uri: redirectUri,
      }),
    });
    expect(token.status).toBe(200);
  });

  it('asks again in a browser already signed in, and a denial sends access_denied and is recorded', async () => {
    const alice = person('allow');
    await alice.signIn((await authorizationUrl()).url);
    // The same browser, signed in: the link alone must not produce a code.
    const trace = stack.trace();
    const denying = person('deny');
    const traced = browser(trace.header);
    const callback = await scriptedLogin((await authorizationUrl()).url, {
      user: 'alice@example.com',
      cookies: alice.jar,
      fetch: traced.fetch,
      stopAt: redirectUri,
      onPage: (page) => {
        denying.consentPages.push(page);
        return clickButton(page.forms, 'decision', 'deny');
      },
    });
    expect(denying.consentPages.map((page) => page.url.pathname)).toEqual([
      expect.stringMatching(/^\/oauth\/interaction\//),
    ]);
    expect(callback.searchParams.get('code')).toBeNull();
    expect(callback.searchParams.get('error')).toBe('access_denied');
    const [failed] = await stack.eventsOf('login.failed', trace.traceId);
    expect(failed).toMatchObject({ reasonCode: 'ERR_LOGIN_CONSENT_DENIED', subject: 'alice@example.com' });
    expect(await stack.eventsOf('login.succeeded', trace.traceId)).toEqual([]);
  });

  it('refuses a consent posted from another origin', async () => {
    const { alice, action } = await signedInAtConsent();
    const forged = await postConsent(alice, action, 'https://attacker.example');
    expect(forged.status).toBe(400);
    expect(forged.headers.get('location')).toBeNull();
  });

  it('asks for consent after a forced new sign-in of the same user (prompt=login)', async () => {
    const alice = person('allow');
    await alice.signIn((await authorizationUrl()).url);
    const callback = await alice.signIn((await authorizationUrl({ prompt: 'login' })).url);
    expect(alice.consentPages).toHaveLength(2);
    expect(callback.searchParams.get('code')).toBeTruthy();
  });

  it('accepts the consent form from a browser that sends Origin: null', async () => {
    const { alice, action } = await signedInAtConsent();
    const allowed = await postConsent(alice, action, 'null');
    expect(allowed.status).toBe(303);
    alice.jar.storeFrom(action, allowed.headers);
    const callback = await scriptedLogin(new URL(allowed.headers.get('location') ?? '', action), {
      user: 'alice@example.com',
      cookies: alice.jar,
      fetch: alice.fetch,
      stopAt: redirectUri,
    });
    expect(callback.searchParams.get('code')).toBeTruthy();
  });
});
