import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OAuthTestStack, startOAuthTestStack } from './oauth/testing/start-oauth-test-stack.js';

let stack: OAuthTestStack;

beforeAll(async () => {
  // Requests come from 127.0.0.1, the "ingress" here, on behalf of the X-Forwarded-For address.
  stack = await startOAuthTestStack({
    TRUST_PROXY: '127.0.0.1',
    OAUTH_REGISTRATIONS_PER_SOURCE: '3',
    OAUTH_REGISTRATIONS_TOTAL: '6',
    OAUTH_AUTHORIZATIONS_PER_SOURCE: '2',
  });
});

afterAll(async () => {
  await stack?.close();
});

function register(source: string, options: { path?: string; traceparent?: string } = {}): Promise<Response> {
  return fetch(`${stack.tokenServiceUrl}${options.path ?? '/oauth/register'}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-forwarded-for': source,
      ...(options.traceparent ? { traceparent: options.traceparent } : {}),
    },
    body: JSON.stringify({
      client_name: 'registering client',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      redirect_uris: ['http://127.0.0.1:61000/callback'],
    }),
  });
}

async function clientRows(): Promise<number> {
  const handle = await stack.database.open(null);
  const [row] = await handle.execute<{ n: string }>(
    `SELECT count(*)::text AS n FROM oauth_state WHERE model = 'Client'`,
  );
  return Number(row?.n);
}

describe('unauthenticated OAuth endpoints that store rows', () => {
  it('accept a few registrations per address, then answer 429 with Retry-After and record why', async () => {
    const before = await clientRows();
    // oidc-provider routes other spellings of the path to registration too: they count the same.
    for (const path of ['/oauth/register', '/oauth/register/', '/oauth/Register'])
      expect((await register('198.51.100.1', { path })).status).toBe(201);
    const trace = stack.trace();
    const refused = await register('198.51.100.1', { path: '/oauth/REGISTER/', traceparent: trace.header });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(3_500);
    expect(await refused.json()).toMatchObject({
      error: 'temporarily_unavailable',
      error_description: expect.stringMatching(/^ERR_OAUTH_RATE_LIMITED: /),
    });
    const [event] = await stack.eventsOf('auth.rejected', trace.traceId);
    expect(event).toMatchObject({
      reasonCode: 'ERR_OAUTH_RATE_LIMITED',
      sourceAddress: '198.51.100.1',
      mcpMethod: 'POST /oauth/register',
    });
    expect(await clientRows()).toBe(before + 3);

    // Other addresses still register, until all addresses together reach the total (6).
    for (const source of ['198.51.100.2', '198.51.100.3', '198.51.100.4'])
      expect((await register(source)).status).toBe(201);
    expect((await register('198.51.100.5')).status).toBe(429);
    expect(await clientRows()).toBe(before + 6);
  });

  it('bound authorization requests per address the same way', async () => {
    const authorize = (source: string, method = 'GET') =>
      fetch(`${stack.tokenServiceUrl}/oauth/authorize?client_id=unknown&response_type=code`, {
        method,
        headers: { 'x-forwarded-for': source },
        redirect: 'manual',
      });
    // HEAD runs the authorization too (oidc-provider answers HEAD on GET routes): it counts.
    for (const method of ['GET', 'HEAD'])
      expect((await authorize('198.51.100.9', method)).status).not.toBe(429);
    const refused = await authorize('198.51.100.9');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await authorize('198.51.100.10')).status).not.toBe(429);
  });
});
