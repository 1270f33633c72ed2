import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OAuthTestStack, scriptedLogin, startOAuthTestStack } from './testing/start-oauth-test-stack.js';

// OAuth Client ID Metadata Documents: the client_id is an https URL naming the client's metadata.
// The authorization server fetches it through `globalThis.fetch` (oidc-provider's default `fetch`),
// so the test serves the documents by wrapping that function for the made-up client host only.
const clientId = 'https://client.example/oauth/metadata.json';
const redirectUri = 'http://127.0.0.1:63111/callback';
const documents = new Map<string, unknown>([
  [
    clientId,
    {
      client_id: clientId,
      client_name: 'Example MCP client',
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    },
  ],
  [
    'https://client.example/oauth/lying.json',
    { client_id: 'https://client.example/oauth/someone-else.json', redirect_uris: [redirectUri] },
  ],
  [
    'https://client.example/oauth/plain-http.json',
    {
      client_id: 'https://client.example/oauth/plain-http.json',
      redirect_uris: [redirectUri, 'http://attacker.example/callback'],
      token_endpoint_auth_method: 'none',
    },
  ],
]);
const fetched: string[] = [];
const realFetch = globalThis.fetch;
let stack: OAuthTestStack;

beforeAll(async () => {
  globalThis.fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const host = new URL(url).host;
    if (host !== 'client.example' && host !== 'elsewhere.example') return realFetch(input, init);
    fetched.push(url);
    const document = documents.get(url);
    return document === undefined
      ? new Response('not found', { status: 404 })
      : new Response(JSON.stringify(document), { headers: { 'content-type': 'application/json' } });
  };
  stack = await startOAuthTestStack({
    OAUTH_CLIENT_ID_METADATA_DOCUMENTS: 'on',
    OAUTH_CIMD_ALLOWED_HOSTS: 'client.example',
  });
});

afterAll(async () => {
  globalThis.fetch = realFetch;
  await stack?.close();
});

function authorizeUrl(client: string, challenge: string): URL {
  const url = new URL(`${stack.tokenServiceUrl}/oauth/authorize`);
  url.search = new URLSearchParams({
    client_id: client,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: 'public:read confidential:read',
    state: 'cimd-state',
    resource: stack.mcpUrl,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  return url;
}

describe('client ID metadata documents', () => {
  it('advertises support in the authorization server metadata', async () => {
    const metadata = (await (
      await realFetch(`${stack.tokenServiceUrl}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    expect(metadata.client_id_metadata_document_supported).toBe(true);
  });

  it('lets a client identified by its metadata URL sign a user in without registering', async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const callback = await scriptedLogin(
      authorizeUrl(clientId, await oidc.calculatePKCECodeChallenge(verifier)),
      {
        user: 'alice@example.com',
        stopAt: (url) => url.href.startsWith(redirectUri),
      },
    );
    const code = callback.searchParams.get('code');
    expect(code).toBeTruthy();
    const response = await realFetch(`${stack.tokenServiceUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: code ?? '',
        redirect_uri: redirectUri,
        client_id: clientId,
        code_verifier: verifier,
        resource: stack.mcpUrl,
      }),
    });
    expect(response.status).toBe(200);
    const { access_token: accessToken } = (await response.json()) as { access_token: string };
    const claims = decodeJwt(accessToken);
    expect(claims).toMatchObject({ client_id: clientId, sub: 'alice@example.com', scope: 'public:read' });
    const issued = await stack.store.query({ type: 'token.issued', tokenId: String(claims.jti) });
    expect(issued.map((event) => event.clientId)).toEqual([clientId]);
  });

  it.each([
    ['a host that is not allowed', 'https://elsewhere.example/oauth/metadata.json', false],
    ['a document naming another client_id', 'https://client.example/oauth/lying.json', true],
    [
      'a document with a non-loopback http redirect URI',
      'https://client.example/oauth/plain-http.json',
      true,
    ],
  ])('refuses %s', async (_name, client, fetches) => {
    fetched.length = 0;
    const response = await realFetch(authorizeUrl(client, 'x'.repeat(43)), { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(fetched.includes(client)).toBe(fetches);
  });
});
