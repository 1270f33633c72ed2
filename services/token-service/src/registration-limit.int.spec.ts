import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OAuthTestStack, startOAuthTestStack } from './oauth/testing/start-oauth-test-stack.js';

let stack: OAuthTestStack;

beforeAll(async () => {
  // Requests come from 127.0.0.1, the "ingress" here, on behalf of the X-Forwarded-For address.
  stack = await startOAuthTestStack({
    TRUST_PROXY: '127.0.0.1',
    OAUTH_REGISTRATIONS_PER_SOURCE: '3',
    OAUTH_REGISTRATIONS_TOTAL: '5',
  });
});

afterAll(async () => {
  await stack?.close();
});

function register(source: string, traceparent?: string): Promise<Response> {
  return fetch(`${stack.tokenServiceUrl}/oauth/register`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-forwarded-for': source,
      ...(traceparent ? { traceparent } : {}),
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

describe('open dynamic client registration', () => {
  it('accepts a few registrations per address, then answers 429 with Retry-After and records why', async () => {
    const before = await clientRows();
    for (let i = 0; i < 3; i++) expect((await register('198.51.100.1')).status).toBe(201);
    const trace = stack.trace();
    const refused = await register('198.51.100.1', trace.header);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(3_500);
    expect(await refused.json()).toMatchObject({
      error: 'temporarily_unavailable',
      error_description: expect.stringMatching(/^ERR_OAUTH_REGISTRATION_LIMITED: /),
    });
    const [event] = await stack.eventsOf('auth.rejected', trace.traceId);
    expect(event).toMatchObject({
      reasonCode: 'ERR_OAUTH_REGISTRATION_LIMITED',
      sourceAddress: '198.51.100.1',
      mcpMethod: 'POST /oauth/register',
    });
    expect(await clientRows()).toBe(before + 3);

    // Another address still registers, until all addresses together reach the total (5).
    expect((await register('198.51.100.2')).status).toBe(201);
    expect((await register('198.51.100.3')).status).toBe(201);
    expect((await register('198.51.100.4')).status).toBe(429);
    expect(await clientRows()).toBe(before + 5);
  });
});
