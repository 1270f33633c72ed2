import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OAuthTestStack, startOAuthTestStack } from './oauth/testing/start-oauth-test-stack.js';

let stack: OAuthTestStack;

beforeAll(async () => {
  stack = await startOAuthTestStack();
});

afterAll(async () => {
  await stack?.close();
});

describe('a flood of refused token requests', () => {
  it('records the first refusals from a source one by one and counts the rest, accounting for every one', async () => {
    const registered = await fetch(`${stack.tokenServiceUrl}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'flooding client',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
        redirect_uris: ['http://127.0.0.1:61000/callback'],
      }),
    });
    const clientId = String(((await registered.json()) as { client_id: string }).client_id);
    // 60 codes that were never issued, from one source: 20 individual events per 10 s window, so at
    // most 40 here even if a window ends during the flood.
    const attempts = 60;
    const traceIds: string[] = [];
    for (let i = 0; i < attempts; i++) {
      const trace = stack.trace();
      traceIds.push(trace.traceId);
      const response = await fetch(`${stack.tokenServiceUrl}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', traceparent: trace.header },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: clientId,
          code: `forged-${i}`,
          code_verifier: 'v'.repeat(43),
          redirect_uri: 'http://127.0.0.1:61000/callback',
        }),
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toBe('invalid_grant');
    }
    const individual = (
      await Promise.all(traceIds.map((traceId) => stack.eventsOf('auth.rejected', traceId)))
    ).flat();
    expect(individual.length).toBeGreaterThanOrEqual(20);
    expect(individual.length).toBeLessThanOrEqual(40);
    for (const event of individual)
      expect(event).toMatchObject({ reasonCode: 'ERR_OAUTH_INVALID_GRANT', clientId, data: { count: 1 } });

    // Closing the app writes the counts of the open window.
    await stack.tokenService.app.close();
    const counted = (
      await stack.store.query({ type: 'auth.rejected', reasonCode: 'ERR_OAUTH_INVALID_GRANT' })
    )
      .filter((event) => Number(event.data.count) > 1 || event.data.windowStartedAt !== undefined)
      .reduce((sum, event) => sum + Number(event.data.count), 0);
    expect(individual.length + counted).toBe(attempts);
  });
});
