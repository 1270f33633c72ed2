import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type McpTestApp, startMcpTestApp } from './testing/mcp-test-app.js';

// No SDK in this file: the OpenTelemetry API is a no-op, as in local runs without OTEL_* variables.
let mcp: McpTestApp;

beforeAll(async () => {
  mcp = await startMcpTestApp();
});

afterAll(async () => {
  await mcp?.close();
});

describe('trace ids without the OpenTelemetry SDK', () => {
  it('stores the trace id of params._meta.traceparent on the events when there is no traceparent header', async () => {
    const traceId = randomBytes(16).toString('hex');
    const response = await mcp.callTool('get_public_info', {
      bearer: await mcp.token('untraced-meta@example.com', ['public:read']),
      meta: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
    });
    expect(response.statusCode).toBe(200);
    const events = await mcp.audit.store.query({ subject: 'untraced-meta@example.com' });
    expect(events.map((event) => event.type).sort()).toEqual(['tool.call.allowed', 'tool.call.completed']);
    for (const event of events) expect(event.traceId).toBe(traceId);
  });

  it('keeps the trace id of the traceparent header', async () => {
    const traceId = randomBytes(16).toString('hex');
    await mcp.callTool('get_public_info', {
      bearer: await mcp.token('untraced-header@example.com', ['public:read']),
      traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
      meta: { traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01` },
    });
    const events = await mcp.audit.store.query({ subject: 'untraced-header@example.com' });
    expect(events).toHaveLength(2);
    for (const event of events) expect(event.traceId).toBe(traceId);
  });

  it('ignores a malformed _meta.traceparent', async () => {
    await mcp.callTool('get_public_info', {
      bearer: await mcp.token('untraced-bad@example.com', ['public:read']),
      meta: { traceparent: '00-not-a-trace-01' },
    });
    const events = await mcp.audit.store.query({ subject: 'untraced-bad@example.com' });
    expect(events).toHaveLength(2);
    expect(events[0]?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(events[1]?.traceId).toBe(events[0]?.traceId);
  });
});
