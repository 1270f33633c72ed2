import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevIdp } from './dev-idp.js';
import { DevIdpError } from './dev-idp-error.js';
import { DEV_USERS } from './dev-users.js';
import { type RunningDevIdp, startDevIdp } from './start-dev-idp.js';
import { CookieJar } from './testing/cookie-jar.js';
import { ScriptedLoginError, scriptedLogin } from './testing/scripted-login.js';

// Nothing listens here: scriptedLogin stops before fetching it, as a token service's callback would.
const redirectUri = 'http://127.0.0.1:9/auth/callback';
const clientId = 'mcp-token-service';
const clientSecret = 'test-secret';

let idp: RunningDevIdp;
let config: oidc.Configuration;

beforeAll(async () => {
  idp = await startDevIdp({
    port: 0,
    appEnv: 'test',
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri] }],
  });
  config = await oidc.discovery(new URL(idp.url), clientId, clientSecret, undefined, {
    execute: [oidc.allowInsecureRequests],
  });
});

afterAll(async () => {
  await idp?.close();
});

interface Attempt {
  readonly url: URL;
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
}

async function authorization(scope = 'openid email profile groups'): Promise<Attempt> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    state,
    nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  return { url, state, nonce, verifier };
}

function redeem(attempt: Attempt, callback: URL) {
  return oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: attempt.verifier,
    expectedState: attempt.state,
    expectedNonce: attempt.nonce,
    idTokenExpected: true,
  });
}

/** One request as a browser makes it: cookies from and into `jar`, no redirect following. */
async function browse(
  jar: CookieJar,
  url: URL,
  init: { method?: string; form?: Record<string, string>; origin?: string } = {},
) {
  const headers = new Headers();
  const cookie = jar.cookieHeader(url);
  if (cookie) headers.set('cookie', cookie);
  if (init.form) headers.set('content-type', 'application/x-www-form-urlencoded');
  if (init.origin) headers.set('origin', init.origin);
  const response = await fetch(url, {
    method: init.method ?? (init.form ? 'POST' : 'GET'),
    headers,
    redirect: 'manual',
    ...(init.form && { body: new URLSearchParams(init.form) }),
  });
  jar.storeFrom(url, response.headers);
  const location = response.headers.get('location');
  return {
    response,
    location: location === null ? undefined : new URL(location, url),
    text: await response.text(),
  };
}

/** Opens the authorization URL and returns the login page's interaction URL. */
async function openLoginPage(jar: CookieJar): Promise<URL> {
  const { url } = await authorization();
  const { location } = await browse(jar, url);
  expect(location?.pathname).toMatch(/^\/interaction\/[\w-]+$/);
  return location as URL;
}

describe('dev IdP with openid-client (authorization code + PKCE S256)', () => {
  it('signs alice in: the ID token carries her email, email_verified, name and groups', async () => {
    const attempt = await authorization();
    const callback = await scriptedLogin(attempt.url, { user: 'alice@example.com', stopAt: redirectUri });
    expect(callback.searchParams.get('iss')).toBe(idp.url);

    const tokens = await redeem(attempt, callback);
    const claims = tokens.claims();
    expect(claims).toMatchObject({
      iss: idp.url,
      aud: clientId,
      sub: 'dev-alice',
      email: 'alice@example.com',
      email_verified: true,
      name: 'Alice Engineer',
      groups: ['engineering'],
      nonce: attempt.nonce,
    });
  });

  it('signs the ID token with RS256 under a key published at jwks_uri', async () => {
    const attempt = await authorization();
    const tokens = await redeem(
      attempt,
      await scriptedLogin(attempt.url, { user: 'alice@example.com', stopAt: redirectUri }),
    );
    const idToken = tokens.id_token as string;
    expect(decodeProtectedHeader(idToken).alg).toBe('RS256');
    const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri as string));
    const { payload } = await jwtVerify(idToken, jwks, {
      issuer: idp.url,
      audience: clientId,
      algorithms: ['RS256'],
    });
    expect(payload.email).toBe('alice@example.com');
  });

  it.each(DEV_USERS.map((user) => [user.email, user] as const))(
    'releases the claims of %s',
    async (email, user) => {
      const attempt = await authorization();
      const tokens = await redeem(
        attempt,
        await scriptedLogin(attempt.url, { user: email, stopAt: redirectUri }),
      );
      expect(tokens.claims()).toMatchObject({
        sub: user.sub,
        email: user.email,
        email_verified: user.emailVerified,
        groups: [...user.groups],
      });
    },
  );

  it('releases only the claims of the requested scopes (no groups without the groups scope)', async () => {
    const attempt = await authorization('openid email');
    const tokens = await redeem(
      attempt,
      await scriptedLogin(attempt.url, { user: 'security@example.com', stopAt: redirectUri }),
    );
    const claims = tokens.claims();
    expect(claims?.email).toBe('security@example.com');
    expect(claims).not.toHaveProperty('groups');
    expect(claims).not.toHaveProperty('name');
  });

  it('serves the same claims at the userinfo endpoint', async () => {
    const attempt = await authorization();
    const tokens = await redeem(
      attempt,
      await scriptedLogin(attempt.url, { user: 'carol@example.com', stopAt: redirectUri }),
    );
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, 'dev-carol');
    expect(userinfo).toMatchObject({
      email: 'carol@example.com',
      email_verified: true,
      groups: ['strategy'],
    });
  });

  it('keeps the session: a second authorization in the same browser needs no login page', async () => {
    const jar = new CookieJar();
    const first = await authorization();
    await redeem(
      first,
      await scriptedLogin(first.url, { user: 'alice@example.com', stopAt: redirectUri, cookies: jar }),
    );
    const second = await authorization();
    const seen: string[] = [];
    const callback = await scriptedLogin(second.url, {
      user: 'carol@example.com',
      stopAt: redirectUri,
      cookies: jar,
      onPage: (page) => {
        seen.push(page.url.href);
        return undefined;
      },
    });
    expect(seen).toEqual([]);
    expect((await redeem(second, callback)).claims()?.email).toBe('alice@example.com');
  });
});

describe('dev IdP refusals', () => {
  it('returns error=access_denied to the redirect URI when the user presses Deny', async () => {
    const attempt = await authorization();
    const callback = await scriptedLogin(attempt.url, { deny: true, stopAt: redirectUri });
    expect(`${callback.origin}${callback.pathname}`).toBe(redirectUri);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe(attempt.state);
    expect(callback.searchParams.has('code')).toBe(false);
    const failure = await redeem(attempt, callback).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(oidc.AuthorizationResponseError);
    expect((failure as oidc.AuthorizationResponseError).error).toBe('access_denied');
  });

  it('requires PKCE: an authorization request without code_challenge is refused', async () => {
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid email',
      state: 's1',
    });
    const { location } = await browse(new CookieJar(), url);
    expect(location && `${location.origin}${location.pathname}`).toBe(redirectUri);
    expect(location?.searchParams.get('error')).toBe('invalid_request');
    expect(location?.searchParams.get('error_description')).toMatch(/PKCE/);
    expect(location?.searchParams.has('code')).toBe(false);
  });

  it('requires PKCE S256: code_challenge_method=plain is refused', async () => {
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: oidc.randomPKCECodeVerifier(),
      code_challenge_method: 'plain',
    });
    const { location } = await browse(new CookieJar(), url);
    expect(location?.searchParams.get('error')).toBe('invalid_request');
    expect(location?.searchParams.has('code')).toBe(false);
  });

  it('refuses to redeem a code with the wrong code_verifier', async () => {
    const attempt = await authorization();
    const callback = await scriptedLogin(attempt.url, { user: 'alice@example.com', stopAt: redirectUri });
    const failure = await redeem({ ...attempt, verifier: oidc.randomPKCECodeVerifier() }, callback).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(oidc.ResponseBodyError);
    expect((failure as oidc.ResponseBodyError).error).toBe('invalid_grant');
  });

  it('refuses an unregistered redirect_uri with an error page and no redirect', async () => {
    const { url } = await authorization();
    url.searchParams.set('redirect_uri', 'http://127.0.0.1:9/evil/callback');
    const { response, location, text } = await browse(new CookieJar(), url);
    expect(response.status).toBe(400);
    expect(location).toBeUndefined();
    expect(text).toContain('invalid_redirect_uri');
  });

  it('refuses an authorization request that omits redirect_uri', async () => {
    const { url } = await authorization();
    url.searchParams.delete('redirect_uri');
    const { response, location } = await browse(new CookieJar(), url);
    expect(response.status).toBe(400);
    expect(location).toBeUndefined();
  });

  it('refuses an unknown client_id without redirecting', async () => {
    const { url } = await authorization();
    url.searchParams.set('client_id', 'not-registered');
    const { response, location, text } = await browse(new CookieJar(), url);
    expect(response.status).toBe(400);
    expect(location).toBeUndefined();
    expect(text).toContain('invalid_client');
  });

  it('accepts an interaction uid once: a replayed login POST is refused', async () => {
    const jar = new CookieJar();
    const page = await openLoginPage(jar);
    const first = await browse(jar, page, { form: { user: 'alice@example.com' }, origin: page.origin });
    expect(first.response.status).toBe(303);
    const replay = await browse(jar, page, { form: { user: 'mallory@evil.example' }, origin: page.origin });
    expect(replay.response.status).toBe(400);
    expect(replay.text).toContain('already submitted');

    // Once the flow resumes, the interaction is gone altogether.
    await browse(jar, first.location as URL);
    const late = await browse(jar, page, { form: { user: 'mallory@evil.example' }, origin: page.origin });
    expect(late.response.status).toBe(400);
    expect(late.text).toContain('expired or was already completed');
  });

  it('refuses a login POST without the interaction cookie (cross-site or another browser)', async () => {
    const page = await openLoginPage(new CookieJar());
    const { response, location } = await browse(new CookieJar(), page, {
      form: { user: 'alice@example.com' },
    });
    expect(response.status).toBe(400);
    expect(location).toBeUndefined();
  });

  it('refuses a login POST whose uid is not the interaction of this browser', async () => {
    const jar = new CookieJar();
    const page = await openLoginPage(jar);
    const other = await openLoginPage(new CookieJar());
    // The jar's interaction cookie is scoped to its own path, so copy it onto the other uid's path.
    const cookie = jar.cookieHeader(page) as string;
    const response = await fetch(other, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'user=alice%40example.com',
      redirect: 'manual',
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('does not belong');
  });

  it('refuses a login POST from another Origin', async () => {
    const jar = new CookieJar();
    const page = await openLoginPage(jar);
    const { response } = await browse(jar, page, {
      form: { user: 'alice@example.com' },
      origin: 'http://evil.example',
    });
    expect(response.status).toBe(403);
  });

  it('refuses a user who is not a dev user', async () => {
    const jar = new CookieJar();
    const page = await openLoginPage(jar);
    const { response, location } = await browse(jar, page, {
      form: { user: 'root@example.com' },
      origin: page.origin,
    });
    expect(response.status).toBe(400);
    expect(location).toBeUndefined();
  });

  it('tells a script which users exist when asked for one that does not', async () => {
    const { url } = await authorization();
    const failure = await scriptedLogin(url, { user: 'nobody@example.com', stopAt: redirectUri }).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(ScriptedLoginError);
    expect((failure as ScriptedLoginError).code).toBe('ERR_LOGIN_NO_CHOICE');
    expect((failure as Error).message).toContain('user=alice@example.com');
  });
});

describe('dev IdP start-up guards', () => {
  const clients = [{ client_id: 'rp', client_secret: 's', redirect_uris: ['http://127.0.0.1:9/cb'] }];

  it('refuses to start with appEnv production', async () => {
    const failure = await createDevIdp({
      issuer: 'http://127.0.0.1:8082',
      clients,
      appEnv: 'production',
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DevIdpError);
    expect((failure as DevIdpError).code).toBe('ERR_DEV_IDP_IN_PRODUCTION');
    expect((failure as Error).message).toMatch(/refuses to start when APP_ENV=production/);
  });

  it('refuses production before binding a port (a taken port yields the production error, not EADDRINUSE)', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = taken.address() as AddressInfo;
      await expect(startDevIdp({ port, clients, appEnv: 'production' })).rejects.toMatchObject({
        code: 'ERR_DEV_IDP_IN_PRODUCTION',
      });
      await expect(startDevIdp({ port, clients, appEnv: 'test' })).rejects.toMatchObject({
        code: 'EADDRINUSE',
      });
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('refuses an appEnv other than development or test', async () => {
    const appEnv = 'staging' as 'test';
    await expect(createDevIdp({ issuer: 'http://127.0.0.1:8082', clients, appEnv })).rejects.toMatchObject({
      code: 'ERR_DEV_IDP_APP_ENV',
    });
  });

  it('stays on loopback unless allowNonLoopback is set', async () => {
    await expect(
      createDevIdp({ issuer: 'http://idp.example.com', clients, appEnv: 'test' }),
    ).rejects.toMatchObject({
      code: 'ERR_DEV_IDP_NOT_LOOPBACK',
    });
    await expect(startDevIdp({ port: 0, host: '0.0.0.0', clients, appEnv: 'test' })).rejects.toMatchObject({
      code: 'ERR_DEV_IDP_NOT_LOOPBACK',
    });
    const allowed = await createDevIdp({
      issuer: 'http://idp.example.com',
      clients,
      appEnv: 'test',
      allowNonLoopback: true,
    });
    expect(allowed.issuer).toBe('http://idp.example.com');
    await allowed.close();
  });

  it('rejects malformed options with a TypeError', async () => {
    await expect(createDevIdp({ issuer: 'not a url', clients, appEnv: 'test' })).rejects.toBeInstanceOf(
      TypeError,
    );
    await expect(
      createDevIdp({ issuer: 'http://127.0.0.1:1', clients: [], appEnv: 'test' }),
    ).rejects.toBeInstanceOf(TypeError);
    await expect(
      createDevIdp({
        issuer: 'http://127.0.0.1:1',
        clients: [{ ...clients[0]!, redirect_uris: [] }],
        appEnv: 'test',
      }),
    ).rejects.toBeInstanceOf(TypeError);
  });
});
