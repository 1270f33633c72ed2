import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

const redirectUri = 'http://127.0.0.1:61000/callback';

async function register(
  metadata: Record<string, unknown>,
  traceparent?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${stack.tokenServiceUrl}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(traceparent ? { traceparent } : {}) },
    body: JSON.stringify({
      client_name: 'negative test client',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      redirect_uris: [redirectUri],
      ...metadata,
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function registeredClient(): Promise<string> {
  const { status, body } = await register({});
  expect(status).toBe(201);
  return String(body.client_id);
}

interface AuthorizeOptions {
  readonly clientId: string;
  readonly redirectUri?: string;
  readonly user?: string;
  /** null omits the parameter. */
  readonly codeChallenge?: string | null;
  readonly codeChallengeMethod?: string | null;
  readonly resource?: string | null;
  readonly scope?: string;
  readonly traceparent?: string;
}

/** An authorization request through a scripted browser; returns the URL the client is sent back to. */
async function authorize(options: AuthorizeOptions): Promise<URL> {
  const url = new URL(`${stack.tokenServiceUrl}/oauth/authorize`);
  const params: Record<string, string | null | undefined> = {
    client_id: options.clientId,
    response_type: 'code',
    redirect_uri: options.redirectUri ?? redirectUri,
    scope: options.scope ?? 'public:read confidential:read audit:read tokens:revoke offline_access',
    state: 'client-state',
    prompt: 'consent',
    resource: options.resource === undefined ? stack.mcpUrl : options.resource,
    code_challenge: options.codeChallenge,
    code_challenge_method: options.codeChallengeMethod === undefined ? 'S256' : options.codeChallengeMethod,
  };
  for (const [name, value] of Object.entries(params))
    if (typeof value === 'string') url.searchParams.set(name, value);
  const { jar, fetch } = browser(options.traceparent);
  const target = new URL(options.redirectUri ?? redirectUri);
  return scriptedLogin(url, {
    user: options.user ?? 'alice@example.com',
    cookies: jar,
    fetch,
    stopAt: (candidate) =>
      candidate.protocol === 'http:' &&
      candidate.hostname === target.hostname &&
      candidate.pathname === target.pathname,
  });
}

async function pkce(): Promise<{ verifier: string; challenge: string }> {
  const verifier = oidc.randomPKCECodeVerifier();
  return { verifier, challenge: await oidc.calculatePKCECodeChallenge(verifier) };
}

async function token(
  params: Record<string, string>,
  traceparent?: string,
): Promise<{ status: number; body: Record<string, string> }> {
  const response = await fetch(`${stack.tokenServiceUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(traceparent ? { traceparent } : {}) },
    body: new URLSearchParams(params),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

/** Authorizes with PKCE as `user` and redeems the code. */
async function codeAndTokens(clientId: string, user = 'alice@example.com') {
  const { verifier, challenge } = await pkce();
  const callback = await authorize({ clientId, codeChallenge: challenge, user });
  const code = callback.searchParams.get('code') ?? '';
  const exchange = {
    grant_type: 'authorization_code',
    client_id: clientId,
    code,
    code_verifier: verifier,
    redirect_uri: redirectUri,
  };
  const first = await token(exchange);
  expect(first.status).toBe(200);
  return { code, verifier, exchange, tokens: first.body };
}

async function rejection(traceId: string) {
  const events = await stack.eventsOf('auth.rejected', traceId);
  expect(events).toHaveLength(1);
  return events[0];
}

describe('authorization requests', () => {
  it('refuses a redirect URI that is not an exact match of a registered one (loopback port excepted)', async () => {
    const clientId = await registeredClient();
    const { challenge } = await pkce();
    // RFC 8252 §7.3: a native client's loopback redirect may use any port.
    const otherPort = await authorize({
      clientId,
      codeChallenge: challenge,
      redirectUri: 'http://127.0.0.1:61001/callback',
    });
    expect(otherPort.searchParams.get('code')).toBeTruthy();

    const trace = stack.trace();
    const refused = authorize({
      clientId,
      codeChallenge: challenge,
      redirectUri: 'http://127.0.0.1:61000/callback/other',
      traceparent: trace.header,
    });
    await expect(refused).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('redirect_uri'),
    });
    expect(await rejection(trace.traceId)).toMatchObject({
      reasonCode: 'ERR_OAUTH_INVALID_REDIRECT_URI',
      clientId,
      decision: 'deny',
    });
  });

  it('requires PKCE: a request without code_challenge gets invalid_request', async () => {
    const clientId = await registeredClient();
    const trace = stack.trace();
    const callback = await authorize({
      clientId,
      codeChallenge: null,
      codeChallengeMethod: null,
      traceparent: trace.header,
    });
    expect(callback.searchParams.get('error')).toBe('invalid_request');
    expect(callback.searchParams.get('error_description')).toMatch(/PKCE/);
    expect(callback.searchParams.get('code')).toBeNull();
    expect(await rejection(trace.traceId)).toMatchObject({
      reasonCode: 'ERR_OAUTH_INVALID_REQUEST',
      clientId,
    });
  });

  it('accepts only S256: code_challenge_method=plain gets invalid_request', async () => {
    const clientId = await registeredClient();
    const trace = stack.trace();
    const callback = await authorize({
      clientId,
      codeChallenge: 'a'.repeat(43),
      codeChallengeMethod: 'plain',
      traceparent: trace.header,
    });
    expect(callback.searchParams.get('error')).toBe('invalid_request');
    expect(callback.searchParams.get('error_description')).toMatch(/code_challenge_method/);
    expect(await rejection(trace.traceId)).toMatchObject({
      reasonCode: 'ERR_OAUTH_INVALID_REQUEST',
      clientId,
    });
  });

  it('binds the token to the MCP server for a resource with a trailing slash, or none', async () => {
    const clientId = await registeredClient();
    for (const resource of [`${stack.mcpUrl}/`, null]) {
      const { verifier, challenge } = await pkce();
      const callback = await authorize({ clientId, codeChallenge: challenge, resource });
      const code = callback.searchParams.get('code') ?? '';
      const { status, body } = await token({
        grant_type: 'authorization_code',
        client_id: clientId,
        code,
        code_verifier: verifier,
        redirect_uri: redirectUri,
      });
      expect(status).toBe(200);
      expect(decodeJwt(body.access_token ?? '')).toMatchObject({ aud: stack.mcpUrl, scope: 'public:read' });
    }
  });
});

describe('token requests', () => {
  it('refuses a code redeemed with the wrong code_verifier', async () => {
    const clientId = await registeredClient();
    const { challenge } = await pkce();
    const code = (await authorize({ clientId, codeChallenge: challenge })).searchParams.get('code') ?? '';
    const trace = stack.trace();
    const { status, body } = await token(
      {
        grant_type: 'authorization_code',
        client_id: clientId,
        code,
        code_verifier: oidc.randomPKCECodeVerifier(),
        redirect_uri: redirectUri,
      },
      trace.header,
    );
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_grant');
    expect(await rejection(trace.traceId)).toMatchObject({ reasonCode: 'ERR_OAUTH_INVALID_GRANT', clientId });
    expect(await stack.eventsOf('token.issued', trace.traceId)).toEqual([]);
  });

  it('refuses an authorization code used twice and revokes the tokens issued from it', async () => {
    const clientId = await registeredClient();
    const { exchange, tokens } = await codeAndTokens(clientId);
    const firstJti = String(decodeJwt(tokens.access_token ?? '').jti);
    const trace = stack.trace();
    const again = await token(exchange, trace.header);
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_grant');
    expect(await rejection(trace.traceId)).toMatchObject({ reasonCode: 'ERR_OAUTH_INVALID_GRANT', clientId });
    const revoked = await stack.eventsOf('token.revoked', trace.traceId);
    expect(revoked.map((event) => [event.tokenId, event.data.reason])).toEqual([
      [firstJti, 'authorization_code_reuse'],
    ]);
    expect(revoked[0]).toMatchObject({ subject: 'alice@example.com', clientId });
    // The refresh token issued with the first tokens is dead too.
    const refresh = await token({
      grant_type: 'refresh_token',
      client_id: clientId,
      refresh_token: tokens.refresh_token ?? '',
    });
    expect(refresh.body.error).toBe('invalid_grant');
  });

  it('refuses a code redeemed by another client', async () => {
    const clientId = await registeredClient();
    const otherClientId = await registeredClient();
    const { verifier, challenge } = await pkce();
    const code = (await authorize({ clientId, codeChallenge: challenge })).searchParams.get('code') ?? '';
    const trace = stack.trace();
    const { status, body } = await token(
      {
        grant_type: 'authorization_code',
        client_id: otherClientId,
        code,
        code_verifier: verifier,
        redirect_uri: redirectUri,
      },
      trace.header,
    );
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_grant');
    expect(await rejection(trace.traceId)).toMatchObject({
      reasonCode: 'ERR_OAUTH_INVALID_GRANT',
      clientId: otherClientId,
    });
    expect(await stack.eventsOf('token.issued', trace.traceId)).toEqual([]);
  });

  it('rotates refresh tokens, and a reused one revokes the whole family', async () => {
    const clientId = await registeredClient();
    const { tokens } = await codeAndTokens(clientId);
    const refreshTrace = stack.trace();
    const rotated = await token(
      { grant_type: 'refresh_token', client_id: clientId, refresh_token: tokens.refresh_token ?? '' },
      refreshTrace.header,
    );
    expect(rotated.status).toBe(200);
    expect(rotated.body.refresh_token).not.toBe(tokens.refresh_token);
    const refreshedJti = String(decodeJwt(rotated.body.access_token ?? '').jti);
    const [refreshed] = await stack.eventsOf('token.refreshed', refreshTrace.traceId);
    expect(refreshed).toMatchObject({
      tokenId: refreshedJti,
      subject: 'alice@example.com',
      clientId,
      policyVersion: '2',
    });

    const trace = stack.trace();
    const reused = await token(
      { grant_type: 'refresh_token', client_id: clientId, refresh_token: tokens.refresh_token ?? '' },
      trace.header,
    );
    expect(reused.status).toBe(400);
    expect(reused.body.error).toBe('invalid_grant');
    expect(await rejection(trace.traceId)).toMatchObject({ reasonCode: 'ERR_OAUTH_INVALID_GRANT', clientId });
    const revoked = await stack.eventsOf('token.revoked', trace.traceId);
    expect(revoked.map((event) => event.tokenId).sort()).toEqual(
      [String(decodeJwt(tokens.access_token ?? '').jti), refreshedJti].sort(),
    );
    expect(revoked.every((event) => event.data.reason === 'refresh_token_reuse')).toBe(true);
    const successor = await token({
      grant_type: 'refresh_token',
      client_id: clientId,
      refresh_token: rotated.body.refresh_token ?? '',
    });
    expect(successor.body.error).toBe('invalid_grant');
  });

  it('revokes an access token by RFC 7009 and records token.revoked', async () => {
    const clientId = await registeredClient();
    const { tokens } = await codeAndTokens(clientId);
    const trace = stack.trace();
    const response = await fetch(`${stack.tokenServiceUrl}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', traceparent: trace.header },
      body: new URLSearchParams({
        client_id: clientId,
        token: tokens.access_token ?? '',
        token_type_hint: 'access_token',
      }),
    });
    expect(response.status, await response.clone().text()).toBe(200);
    const [revoked] = await stack.eventsOf('token.revoked', trace.traceId);
    expect(revoked).toMatchObject({
      tokenId: decodeJwt(tokens.access_token ?? '').jti,
      clientId,
      subject: 'alice@example.com',
    });
  });
});

describe('dynamic client registration', () => {
  it('refuses a javascript: redirect URI', async () => {
    const trace = stack.trace();
    const { status, body } = await register({ redirect_uris: ['javascript:alert(1)//'] }, trace.header);
    expect(status).toBe(400);
    // RFC 7591 §3.2.2: a refused redirect URI is `invalid_redirect_uri`.
    expect(body.error).toBe('invalid_redirect_uri');
    expect(String(body.error_description)).toMatch(/javascript/);
    expect(await rejection(trace.traceId)).toMatchObject({
      reasonCode: 'ERR_OAUTH_INVALID_REDIRECT_URI',
      decision: 'deny',
    });
  });

  it('refuses an http: redirect URI to a host that is not loopback', async () => {
    const trace = stack.trace();
    const { status, body } = await register(
      { redirect_uris: ['http://evil.example/callback'] },
      trace.header,
    );
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_redirect_uri');
    expect(String(body.error_description)).toMatch(/loopback/);
    expect(await rejection(trace.traceId)).toMatchObject({ reasonCode: 'ERR_OAUTH_INVALID_REDIRECT_URI' });
  });
});
