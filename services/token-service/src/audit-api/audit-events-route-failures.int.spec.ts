import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOnly } from '../../../shared/db/index.js';
import { AppError } from '../../../shared/errors/index.js';
import { createEventStore, type EventStore } from '../../../shared/event-store/index.js';
import { installErrorHandler } from '../../../shared/http/index.js';
import { sampleAllowed } from '../../../shared/testing/sample-events.js';
import { createTestDatabase, type TestDatabase } from '../../../shared/testing/test-database.js';
import { type AuditEventsRouteOptions, auditEventsRoute } from './audit-events-route.js';

let testDb: TestDatabase;
let store: EventStore;

beforeAll(async () => {
  testDb = await createTestDatabase();
  store = createEventStore({ database: await testDb.open() });
  await store.append(sampleAllowed());
});
afterAll(async () => {
  await store.close();
  await testDb.drop();
});

async function appWith(options: Partial<AuditEventsRouteOptions>): Promise<FastifyInstance> {
  const app = Fastify();
  installErrorHandler(app);
  await app.register(auditEventsRoute, {
    authenticate: async (request) => {
      request.apiCaller = {
        subject: 'sec@example.com',
        clientId: 'test',
        tokenId: 'jti',
        scopes: new Set(['audit:read']),
        trace: { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) },
        source: {},
      };
    },
    reader: readOnly((await testDb.open()).db),
    append: store.append,
    instanceId: 'test',
    policy: { id: 'tools', version: '1', hash: 'c'.repeat(64) },
    baseUrl: 'http://127.0.0.1:8081',
    ...options,
  });
  return app;
}

describe('GET /audit/events when the log cannot record the query', () => {
  it('fails closed with 503 and returns no events when audit.queried cannot be committed', async () => {
    const app = await appWith({
      append: async () => {
        throw new AppError('ERR_AUDIT_UNAVAILABLE');
      },
    });
    const response = await app.inject({ url: '/audit/events' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      error: 'ERR_AUDIT_UNAVAILABLE',
      message: 'The audit log could not record this decision in time; nothing was executed',
    });
    expect(response.body).not.toContain('tool.call.allowed');
    await app.close();
  });

  it('answers 503 ERR_AUDIT_QUERY_UNAVAILABLE when the app was given no way to read the log', async () => {
    const app = await appWith({ reader: undefined });
    const response = await app.inject({ url: '/audit/events' });
    expect(response.statusCode).toBe(503);
    expect(response.json().error).toBe('ERR_AUDIT_QUERY_UNAVAILABLE');
    await app.close();
  });

  it('records the query and returns the page when the log is healthy', async () => {
    const app = await appWith({});
    const giveUpAt = Date.now() + 20_000;
    let events: unknown[] = [];
    while (events.length === 0 && Date.now() < giveUpAt) {
      events = (await app.inject({ url: '/audit/events?type=tool.call.allowed' })).json().events;
    }
    expect(events).toHaveLength(1);
    expect((await store.query({ type: 'audit.queried' })).length).toBeGreaterThan(0);
    await app.close();
  });
});
