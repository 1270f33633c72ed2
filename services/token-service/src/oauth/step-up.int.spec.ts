import { auth, type OAuthClientProvider, UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeAs, redeem, registerTestClient } from './testing/authorize-client.js';
import {
  browser,
  type OAuthTestStack,
  scriptedLogin,
  startOAuthTestStack,
} from './testing/start-oauth-test-stack.js';

let stack: OAuthTestStack;

beforeAll(async () => {
  stack = await startOAuthTestStack();
});

afterAll(async () => {
  await stack?.close();
});

/**
 * An MCP client as the SDK drives it, whose "browser" signs in at the dev IdP as `user`. When the
 * token service refuses the sign-in it shows a page; the browser then follows its "Return to the
 * application" link, as a person would, so the client receives the error at its redirect URI.
 *
 * It keeps no refresh token: on a 403 `insufficient_scope` the SDK (1.32) calls `auth()` with the
 * challenged scope, and `auth()` refreshes when it holds a refresh token, which cannot widen a
 * grant's scope; only a new authorization can.
 */
class StepUpClient implements OAuthClientProvider {
  readonly redirectUrl = 'http://127.0.0.1:53690/callback';
  readonly authorizations: { url: URL; callback: URL; refusalPage?: string }[] = [];
  readonly #user: string;
  readonly #traceparent: string;
  #client: OAuthClientInformationMixed | undefined;
  #tokens: OAuthTokens | undefined;
  #verifier = '';

  constructor(user: string, traceparent: string) {
    this.#user = user;
    this.#traceparent = traceparent;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'step-up test client',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  clientInformation() {
    return this.#client;
  }

  saveClientInformation(info: OAuthClientInformationMixed) {
    this.#client = info;
  }

  tokens() {
    return this.#tokens;
  }

  saveTokens(tokens: OAuthTokens) {
    const { refresh_token: _kept, ...rest } = tokens;
    this.#tokens = rest;
  }

  saveCodeVerifier(verifier: string) {
    this.#verifier = verifier;
  }

  codeVerifier() {
    return this.#verifier;
  }

  get lastCallback(): URL {
    const last = this.authorizations.at(-1);
    if (last === undefined) throw new Error('no authorization yet');
    return last.callback;
  }

  async redirectToAuthorization(url: URL) {
    const { jar, fetch } = browser(this.#traceparent);
    const atClient = (candidate: URL) =>
      candidate.host === new URL(this.redirectUrl).host && candidate.pathname === '/callback';
    const upstreamCallback = await scriptedLogin(url, {
      user: this.#user,
      cookies: jar,
      fetch,
      stopAt: `${stack.tokenServiceUrl}/oauth/upstream/callback`,
    });
    const cookie = jar.cookieHeader(upstreamCallback);
    const response = await fetch(upstreamCallback, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    jar.storeFrom(upstreamCallback, response.headers);
    const html = await response.text();
    const next =
      response.status === 403
        ? (/href="([^"]+)"/.exec(html)?.[1]?.replaceAll('&amp;', '&') ?? '')
        : (response.headers.get('location') ?? '');
    const callback = await scriptedLogin(new URL(next, stack.tokenServiceUrl), {
      user: this.#user,
      cookies: jar,
      fetch,
      stopAt: atClient,
    });
    this.authorizations.push({ url, callback, ...(response.status === 403 ? { refusalPage: html } : {}) });
  }
}

/** Signs in through the SDK asking for `scope` only, and connects an MCP client with the result. */
async function connectWith(user: string, scope: string) {
  const trace = stack.trace();
  const provider = new StepUpClient(user, trace.header);
  expect(await auth(provider, { serverUrl: stack.mcpUrl, scope })).toBe('REDIRECT');
  const code = provider.lastCallback.searchParams.get('code') ?? '';
  expect(await auth(provider, { serverUrl: stack.mcpUrl, authorizationCode: code })).toBe('AUTHORIZED');
  const transport = new StreamableHTTPClientTransport(new URL(stack.mcpUrl), { authProvider: provider });
  const client = new Client({ name: 'step-up-test', version: '1.0.0' });
  await client.connect(transport);
  return { provider, transport, client, traceId: trace.traceId };
}

function scopeOf(provider: StepUpClient): unknown {
  return decodeJwt(provider.tokens()?.access_token ?? '').scope;
}

describe('step-up authorization after 403 insufficient_scope', () => {
  it('re-authorizes with the challenged scope and the security team gets confidential:read', async () => {
    const { provider, transport, client } = await connectWith('security@example.com', 'public:read');
    try {
      expect(scopeOf(provider)).toBe('public:read');
      // The SDK sees the 403, asks for the challenged scope and sends the browser off: the call fails
      // until the client redeems the new code, as with any interactive authorization.
      await expect(client.callTool({ name: 'get_confidential_info', arguments: {} })).rejects.toBeInstanceOf(
        UnauthorizedError,
      );
      const stepUp = provider.authorizations[1];
      expect(stepUp?.url.searchParams.get('scope')).toBe('confidential:read');
      const code = stepUp?.callback.searchParams.get('code');
      expect(code).toEqual(expect.any(String));
      await transport.finishAuth(code ?? '');
      expect(scopeOf(provider)).toBe('confidential:read');
      const result = await client.callTool({ name: 'get_confidential_info', arguments: {} });
      expect(result.isError).toBeFalsy();
    } finally {
      await client.close();
    }
  });

  it('refuses alice confidential:read: access_denied with the reason, login.failed, and her public:read token unchanged', async () => {
    const { provider, client, traceId } = await connectWith('alice@example.com', 'public:read');
    try {
      const before = provider.tokens()?.access_token;
      await expect(client.callTool({ name: 'get_confidential_info', arguments: {} })).rejects.toBeInstanceOf(
        UnauthorizedError,
      );
      const stepUp = provider.authorizations[1];
      expect(stepUp?.url.searchParams.get('scope')).toBe('confidential:read');
      expect(stepUp?.refusalPage).toContain('ERR_LOGIN_SCOPE_NOT_ALLOWED');
      expect(stepUp?.refusalPage).toContain('policy does not grant alice@example.com confidential:read');
      const callback = stepUp?.callback;
      expect(callback?.searchParams.get('code')).toBeNull();
      expect(callback?.searchParams.get('error')).toBe('access_denied');
      expect(callback?.searchParams.get('error_description')).toContain('ERR_LOGIN_SCOPE_NOT_ALLOWED');
      expect(callback?.searchParams.get('iss')).toBe(stack.tokenServiceUrl);
      const failures = await stack.eventsOf('login.failed', traceId);
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatchObject({
        reasonCode: 'ERR_LOGIN_SCOPE_NOT_ALLOWED',
        subject: 'alice@example.com',
      });
      // Nothing was issued by the refused step-up; alice keeps exactly what she had.
      expect(provider.tokens()?.access_token).toBe(before);
      expect(scopeOf(provider)).toBe('public:read');
      const publicResult = await client.callTool({ name: 'get_public_info', arguments: {} });
      expect(publicResult.isError).toBeFalsy();
    } finally {
      await client.close();
    }
  });

  it('gives alice only public:read when a client asks for her scopes plus confidential:read', async () => {
    const client = await registerTestClient(stack);
    const outcome = await authorizeAs(client, {
      user: 'alice@example.com',
      scope: 'public:read confidential:read offline_access',
      resources: [stack.mcpUrl],
    });
    const tokens = await redeem(client, outcome, stack.mcpUrl);
    expect(decodeJwt(tokens.access_token).scope).toBe('public:read');
    const call = await fetch(stack.mcpUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens.access_token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'get_confidential_info', arguments: {} },
      }),
    });
    expect(call.status).toBe(403);
    expect(call.headers.get('www-authenticate')).toContain('scope="confidential:read"');
  });
});
