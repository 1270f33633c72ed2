import { auth, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import { decodeJwt, decodeProtectedHeader } from 'jose';
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

/**
 * What a real MCP client (Claude Code) does, through the SDK's own OAuth support: the
 * authorization "redirect" is a scripted browser that signs in at the dev IdP as `user` and stops at
 * the client's loopback redirect URI.
 */
class ScriptedOAuthClient implements OAuthClientProvider {
  readonly redirectUrl = 'http://127.0.0.1:53682/callback';
  readonly #user: string;
  readonly #traceparent: string | undefined;
  #client: OAuthClientInformationMixed | undefined;
  #tokens: OAuthTokens | undefined;
  #verifier = '';
  callback: URL | undefined;

  constructor(user: string, traceparent?: string) {
    this.#user = user;
    this.#traceparent = traceparent;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'scripted MCP client',
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
    this.#tokens = tokens;
  }

  async redirectToAuthorization(url: URL) {
    const { jar, fetch } = browser(this.#traceparent);
    this.callback = await scriptedLogin(url, {
      user: this.#user,
      stopAt: this.redirectUrl,
      cookies: jar,
      fetch,
    });
  }

  saveCodeVerifier(verifier: string) {
    this.#verifier = verifier;
  }

  codeVerifier() {
    return this.#verifier;
  }
}

/** Signs in through the SDK's `auth()`, as a client that has just seen the MCP server's 401. */
async function signIn(
  user: string,
  traceparent?: string,
): Promise<{ provider: ScriptedOAuthClient; tokens: OAuthTokens }> {
  const provider = new ScriptedOAuthClient(user, traceparent);
  expect(await auth(provider, { serverUrl: stack.mcpUrl })).toBe('REDIRECT');
  const code = provider.callback?.searchParams.get('code');
  if (!code) throw new Error(`no code in ${provider.callback?.href}`);
  expect(await auth(provider, { serverUrl: stack.mcpUrl, authorizationCode: code })).toBe('AUTHORIZED');
  const tokens = provider.tokens();
  if (!tokens) throw new Error('no tokens saved');
  return { provider, tokens };
}

async function listTools(provider: OAuthClientProvider): Promise<string[]> {
  const client = new Client({ name: 'oauth-flow-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(stack.mcpUrl), { authProvider: provider }));
  try {
    const { tools } = await client.listTools();
    return tools.map((tool) => tool.name).sort();
  } finally {
    await client.close();
  }
}

describe('MCP client authorization, end to end', () => {
  it('discovers the AS from the MCP 401, registers, signs in with PKCE and sees exactly the tools policy allows', async () => {
    const unauthenticated = await fetch(stack.mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(unauthenticated.status).toBe(401);
    const challenge = unauthenticated.headers.get('www-authenticate') ?? '';
    const resourceMetadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
    expect(resourceMetadataUrl).toBeDefined();
    const resourceMetadata = (await (await fetch(resourceMetadataUrl ?? '')).json()) as Record<
      string,
      unknown
    >;
    expect(resourceMetadata.authorization_servers).toEqual([stack.tokenServiceUrl]);
    const metadata = (await (
      await fetch(`${stack.tokenServiceUrl}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      issuer: stack.tokenServiceUrl,
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      registration_endpoint: `${stack.tokenServiceUrl}/oauth/register`,
      revocation_endpoint: `${stack.tokenServiceUrl}/oauth/revoke`,
      scopes_supported: ['public:read', 'confidential:read', 'audit:read', 'tokens:revoke', 'offline_access'],
    });

    const trace = stack.trace();
    const { provider, tokens } = await signIn('alice@example.com', trace.header);
    // RFC 9207: the authorization response names its issuer.
    expect(provider.callback?.searchParams.get('iss')).toBe(stack.tokenServiceUrl);
    expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({
      typ: 'at+jwt',
      alg: 'ES256',
      kid: stack.keys.current.kid,
    });
    const claims = decodeJwt(tokens.access_token);
    expect(claims).toMatchObject({
      iss: stack.tokenServiceUrl,
      aud: stack.mcpUrl,
      sub: 'alice@example.com',
      scope: 'public:read',
      client_id: provider.clientInformation()?.client_id,
      pv: '2',
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBeLessThanOrEqual(900);
    expect(tokens.refresh_token).toBeDefined();
    expect(await listTools(provider)).toEqual(['get_public_info']);

    const [login] = await stack.eventsOf('login.succeeded', trace.traceId);
    expect(login).toMatchObject({
      subject: 'alice@example.com',
      clientId: claims.client_id,
      policyVersion: '2',
    });
    expect(login?.scopesGranted).toEqual(['public:read']);
    const issued = await stack.store.query({ type: 'token.issued', tokenId: String(claims.jti) });
    expect(issued).toHaveLength(1);
    expect(issued[0]).toMatchObject({
      subject: 'alice@example.com',
      clientId: claims.client_id,
      policyVersion: '2',
    });
    expect(issued[0]?.scopesGranted).toEqual(['public:read']);
  });

  it('gives the security team every tool', async () => {
    const { provider, tokens } = await signIn('security@example.com');
    expect(decodeJwt(tokens.access_token).scope).toBe(
      'audit:read confidential:read public:read tokens:revoke',
    );
    expect(await listTools(provider)).toEqual(['get_confidential_info', 'get_public_info']);
  });
});
