import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventType } from '../../shared/event-store/events.js';
import { type OAuthTestStack, startOAuthTestStack } from './oauth/testing/start-oauth-test-stack.js';

let stack: OAuthTestStack;

beforeAll(async () => {
  stack = await startOAuthTestStack();
});

afterAll(async () => {
  await stack?.close();
});

// 60 refusals of one kind from one source: 20 individual events per 10 s window, so at most 40 here
// even if a window ends during the flood.
const attempts = 60;
/** Events recorded one by one for each flood, by event type. */
const individual = new Map<EventType, number>();

/** Sends `attempts` requests, each with a trace of its own; returns the individual events of them. */
async function flood(type: EventType, send: (traceparent: string, i: number) => Promise<Response>) {
  const traceIds: string[] = [];
  for (let i = 0; i < attempts; i++) {
    const trace = stack.trace();
    traceIds.push(trace.traceId);
    const response = await send(trace.header, i);
    expect(response.status).toBe(400);
    await response.text();
  }
  const events = (await Promise.all(traceIds.map((traceId) => stack.eventsOf(type, traceId)))).flat();
  expect(events.length).toBeGreaterThanOrEqual(20);
  expect(events.length).toBeLessThanOrEqual(40);
  for (const event of events) expect(event.data.count).toBe(1);
  individual.set(type, events.length);
  return events;
}

describe('a flood of refused requests to the token service', () => {
  it('records the first refused token requests from a source one by one', async () => {
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
    // Codes that were never issued.
    const events = await flood('auth.rejected', (traceparent, i) =>
      fetch(`${stack.tokenServiceUrl}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', traceparent },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: clientId,
          code: `forged-${i}`,
          code_verifier: 'v'.repeat(43),
          redirect_uri: 'http://127.0.0.1:61000/callback',
        }),
      }),
    );
    for (const event of events)
      expect(event).toMatchObject({ reasonCode: 'ERR_OAUTH_INVALID_GRANT', clientId });
  });

  it('records the first sign-in callbacks without a sign-in behind them one by one', async () => {
    const events = await flood('login.failed', (traceparent, i) =>
      fetch(`${stack.tokenServiceUrl}/oauth/upstream/callback?code=forged-${i}&state=x`, {
        headers: { traceparent },
      }),
    );
    for (const event of events) expect(event.reasonCode).toBe('ERR_LOGIN_STATE_MISSING');
  });

  it('counts the rest in one event per kind when the window closes, accounting for every refusal', async () => {
    // Closing the app writes the counts of the open window.
    await stack.tokenService.app.close();
    for (const [type, reasonCode] of [
      ['auth.rejected', 'ERR_OAUTH_INVALID_GRANT'],
      ['login.failed', 'ERR_LOGIN_STATE_MISSING'],
    ] as const) {
      const counted = (await stack.store.query({ type, reasonCode }))
        .filter((event) => event.data.windowStartedAt !== undefined)
        .reduce((sum, event) => sum + Number(event.data.count), 0);
      expect(individual.get(type)).toBeDefined();
      expect((individual.get(type) ?? 0) + counted).toBe(attempts);
    }
  });
});
