import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OAuthTestStack, startOAuthTestStack } from './oauth/testing/start-oauth-test-stack.js';

let trusting: OAuthTestStack;
let untrusting: OAuthTestStack;

beforeAll(async () => {
  // The test's own requests come from 127.0.0.1: here that is the ingress.
  [trusting, untrusting] = await Promise.all([
    startOAuthTestStack({ TRUST_PROXY: '127.0.0.1' }),
    startOAuthTestStack(),
  ]);
});

afterAll(async () => {
  await Promise.all([trusting?.close(), untrusting?.close()]);
});

const client = '203.0.113.7';

/** A token request with a code never issued, as forwarded by a proxy for `client`. */
function forgedCode(stack: OAuthTestStack, traceparent: string): Promise<Response> {
  return fetch(`${stack.tokenServiceUrl}/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-forwarded-for': client,
      traceparent,
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: 'unknown-client',
      code: 'forged',
      code_verifier: 'v'.repeat(43),
      redirect_uri: 'http://127.0.0.1:61000/callback',
    }),
  });
}

describe('the client address on the token service audit events', () => {
  it('is the address the trusted proxy forwards, on OAuth refusals and on failed sign-ins', async () => {
    const oauth = trusting.trace();
    expect((await forgedCode(trusting, oauth.header)).status).toBe(401);
    const [rejected] = await trusting.eventsOf('auth.rejected', oauth.traceId);
    expect(rejected).toMatchObject({ sourceAddress: client, reasonCode: 'ERR_OAUTH_INVALID_CLIENT' });

    const login = trusting.trace();
    const callback = await fetch(`${trusting.tokenServiceUrl}/oauth/upstream/callback?code=x&state=y`, {
      headers: { 'x-forwarded-for': client, traceparent: login.header },
    });
    expect(callback.status).toBe(400);
    const [failed] = await trusting.eventsOf('login.failed', login.traceId);
    expect(failed).toMatchObject({ sourceAddress: client, reasonCode: 'ERR_LOGIN_STATE_MISSING' });
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY names the proxy it comes from', async () => {
    const oauth = untrusting.trace();
    expect((await forgedCode(untrusting, oauth.header)).status).toBe(401);
    const [rejected] = await untrusting.eventsOf('auth.rejected', oauth.traceId);
    expect(rejected?.sourceAddress).toBe('127.0.0.1');
  });
});
