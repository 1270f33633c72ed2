import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { StoredEvent } from '../event-store/index.js';
import { telemetryAttributes as attr, metricNames, spanNames } from './attributes.js';
import { type InMemoryTelemetry, startInMemoryTelemetry } from './testing/in-memory-telemetry.js';
import { type McpTestApp, startMcpTestApp } from './testing/mcp-test-app.js';
import { spanTree } from './testing/span-tree.js';

let telemetry: InMemoryTelemetry;
let mcp: McpTestApp;
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  // Before fastify is instantiated: @fastify/otel attaches itself to each new instance.
  telemetry = startInMemoryTelemetry();
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) logLines.push(JSON.parse(line));
      done();
    },
  });
  mcp = await startMcpTestApp({ logStream });
});

afterAll(async () => {
  await mcp?.close();
  await telemetry?.shutdown();
});

function newTraceparent(): { header: string; traceId: string; spanId: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { header: `00-${traceId}-${spanId}-01`, traceId, spanId };
}

const token = (sub: string, scopes: string[]) => mcp.token(sub, scopes);
const callTool = (...args: Parameters<McpTestApp['callTool']>) => mcp.callTool(...args);

async function eventsOf(subject: string): Promise<StoredEvent[]> {
  return mcp.audit.store.query({ subject });
}

describe('tracing a tools/call', () => {
  it('nests token verification, decision, audit appends and the tool run in the incoming trace', async () => {
    const incoming = newTraceparent();
    const response = await callTool('get_public_info', {
      bearer: await token('traced@example.com', ['public:read']),
      traceparent: incoming.header,
    });
    expect(response.statusCode).toBe(200);

    const spans = await telemetry.settledSpansOf(incoming.traceId);
    const tree = spanTree(spans);
    // The request span continues the caller's span (W3C traceparent header).
    const root = tree.single('request');
    // No span per fastify hook or for the handler (start-telemetry.ts): the services' own spans say
    // what happens inside; the request and its six spans, no more.
    expect(spans.map((span) => span.name).sort()).toEqual(
      [
        'request',
        spanNames.verifyToken,
        spanNames.mcpRequest,
        spanNames.decide,
        spanNames.auditAppend,
        spanNames.toolExecute,
        spanNames.auditAppend,
      ].sort(),
    );
    expect(root.span.parentSpanContext?.spanId).toBe(incoming.spanId);
    const verify = root.child(spanNames.verifyToken);
    expect(verify.span.attributes).toMatchObject({
      [attr.authResult]: 'ok',
      [attr.enduserId]: 'traced@example.com',
    });
    const request = root.child(spanNames.mcpRequest);
    expect(request.span.attributes[attr.mcpMethod]).toBe('tools/call');
    const decide = request.child(spanNames.decide);
    expect(decide.span.attributes).toMatchObject({
      [attr.mcpToolName]: 'get_public_info',
      [attr.authzDecision]: 'allow',
      [attr.authzReason]: 'OK',
      [attr.authzPolicyVersion]: '2',
    });
    const allowedAppend = decide.child(spanNames.auditAppend);
    expect(allowedAppend.span.attributes[attr.auditEventType]).toBe('tool.call.allowed');
    const execute = request.child(spanNames.toolExecute);
    expect(execute.span.attributes).toMatchObject({
      [attr.mcpToolName]: 'get_public_info',
      [attr.mcpToolOutcome]: 'ok',
    });
    const completedAppend = execute.child(spanNames.auditAppend);
    expect(completedAppend.span.attributes[attr.auditEventType]).toBe('tool.call.completed');
    // The decision is durable before the tool starts (design.md, "Write path"). Span clocks are
    // anchored per span tree and can disagree by a fraction of a millisecond, hence the 1 ms slack;
    // the strict order is proven by the log positions in the MCP server and fault-injection tests.
    expect(hrMillis(allowedAppend.span.endTime)).toBeLessThanOrEqual(hrMillis(execute.span.startTime) + 1);

    const events = await eventsOf('traced@example.com');
    const allowed = events.find((event) => event.type === 'tool.call.allowed');
    const completed = events.find((event) => event.type === 'tool.call.completed');
    expect(allowed).toMatchObject({ traceId: incoming.traceId, spanId: decide.id });
    expect(completed).toMatchObject({ traceId: incoming.traceId, spanId: execute.id });
    expect(allowedAppend.span.attributes[attr.auditGlobalPosition]).toBe(allowed?.globalPosition);
  });

  it('continues the trace context in params._meta when the request has no traceparent header', async () => {
    const meta = newTraceparent();
    const response = await callTool('get_public_info', {
      bearer: await token('meta@example.com', ['public:read']),
      meta: { traceparent: meta.header },
    });
    expect(response.statusCode).toBe(200);

    const spans = await telemetry.settledSpansOf(meta.traceId);
    const request = spanTree(spans).single(spanNames.mcpRequest);
    expect(request.span.parentSpanContext?.spanId).toBe(meta.spanId);
    expect(request.span.kind).toBe(SpanKind.SERVER);
    expect(request.span.attributes[attr.mcpTraceContinuedFrom]).toBe('meta');
    // The HTTP request started its own trace before the body was read; the two are linked.
    const [link] = request.span.links;
    expect(link?.context.traceId).not.toBe(meta.traceId);
    expect(telemetry.spansOf(link!.context.traceId).map((span) => span.name)).toContain(
      spanNames.verifyToken,
    );
    const decide = request.child(spanNames.decide);
    decide.child(spanNames.auditAppend);
    const execute = request.child(spanNames.toolExecute);
    execute.child(spanNames.auditAppend);

    const events = await eventsOf('meta@example.com');
    expect(events.map((event) => event.type).sort()).toEqual(['tool.call.allowed', 'tool.call.completed']);
    for (const event of events) expect(event.traceId).toBe(meta.traceId);
  });

  it('prefers the traceparent header over params._meta', async () => {
    const header = newTraceparent();
    const meta = newTraceparent();
    await callTool('get_public_info', {
      bearer: await token('both@example.com', ['public:read']),
      traceparent: header.header,
      meta: { traceparent: meta.header },
    });
    expect(telemetry.spansOf(meta.traceId)).toEqual([]);
    spanTree(await telemetry.settledSpansOf(header.traceId)).single(spanNames.mcpRequest);
    for (const event of await eventsOf('both@example.com')) expect(event.traceId).toBe(header.traceId);
  });

  it('records a denial in the decision span and the tool.call.denied event of the same trace', async () => {
    const incoming = newTraceparent();
    const response = await callTool('get_confidential_info', {
      bearer: await token('denied@example.com', ['public:read']),
      traceparent: incoming.header,
    });
    expect(response.statusCode).toBe(403);

    const tree = spanTree(await telemetry.settledSpansOf(incoming.traceId));
    const decide = tree.single(spanNames.decide);
    expect(decide.span.attributes).toMatchObject({
      [attr.authzDecision]: 'deny',
      [attr.authzReason]: 'ERR_SCOPE_INSUFFICIENT',
      [attr.authzScopesRequired]: ['confidential:read'],
    });
    expect(decide.child(spanNames.auditAppend).span.attributes[attr.auditEventType]).toBe('tool.call.denied');
    expect(() => tree.single(spanNames.toolExecute)).toThrow(/found 0/);
    const [denied] = await eventsOf('denied@example.com');
    expect(denied).toMatchObject({ type: 'tool.call.denied', traceId: incoming.traceId, spanId: decide.id });
  });

  it('records a rejected token in the verification span and the auth.rejected event', async () => {
    const incoming = newTraceparent();
    const response = await callTool('get_public_info', { bearer: 'not-a-jwt', traceparent: incoming.header });
    expect(response.statusCode).toBe(401);
    const verify = spanTree(await telemetry.settledSpansOf(incoming.traceId)).single(spanNames.verifyToken);
    expect(verify.span.attributes).toMatchObject({
      [attr.authResult]: 'rejected',
      [attr.authzReason]: 'ERR_TOKEN_MALFORMED',
      [attr.errorType]: 'ERR_TOKEN_MALFORMED',
    });
    expect(verify.span.status.code).toBe(SpanStatusCode.ERROR);
    const rejected = await mcp.audit.store.query({ type: 'auth.rejected', traceId: incoming.traceId });
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.spanId).toBe(verify.id);
  });

  it('exports no spans for a refusal folded under a flood, beyond the window sample its summary names', async () => {
    // A source of its own, so its rejections start a fresh (source, reason) bucket: 20 individual
    // events per 10 s window (AUTH_REJECTION_BURST), then folded. 50 refusals span at most two windows.
    const refusals = Array.from({ length: 50 }, () => newTraceparent());
    for (const incoming of refusals) {
      const response = await callTool('get_public_info', {
        bearer: 'not-a-jwt',
        traceparent: incoming.header,
        remoteAddress: '10.66.0.1',
      });
      expect(response.statusCode).toBe(401);
    }
    // A traced request after them: once its spans are out, so are theirs (exported as they end).
    const marker = newTraceparent();
    await callTool('get_public_info', {
      bearer: await token('after-flood@example.com', ['public:read']),
      traceparent: marker.header,
    });
    expect(await telemetry.settledSpansOf(marker.traceId)).toHaveLength(7);

    const individual: string[][] = [];
    const folded: string[][] = [];
    for (const { traceId } of refusals) {
      const events = await mcp.audit.store.query({ type: 'auth.rejected', traceId });
      const names = telemetry.spansOf(traceId).map((span) => span.name);
      (events.length > 0 ? individual : folded).push(names.sort());
    }
    expect(individual.length).toBeGreaterThanOrEqual(20);
    for (const names of individual) expect(names).toEqual(['auth.verify_token', 'request']);
    // Each window keeps its first folded refusal (the sample its counted event carries); the rest
    // are not exported at all.
    const sampled = folded.filter((names) => names.length > 0);
    expect(sampled.length).toBeGreaterThanOrEqual(1);
    expect(sampled.length).toBeLessThanOrEqual(2);
    for (const names of sampled) expect(names).toEqual(['auth.verify_token', 'request']);
    expect(folded.length - sampled.length).toBeGreaterThanOrEqual(50 - 2 * 21);
  });

  it('puts the trace and span id on the log lines of a traced request', async () => {
    const incoming = newTraceparent();
    await callTool('get_public_info', {
      bearer: await token('logged@example.com', ['public:read']),
      traceparent: incoming.header,
    });
    const spans = await telemetry.settledSpansOf(incoming.traceId);
    const spanIds = new Set(spans.map((span) => span.spanContext().spanId));
    // The request's one access line, written once the response is sent.
    await vi.waitFor(() =>
      expect(
        logLines.filter((entry) => entry.msg === 'request completed' && entry.trace_id === incoming.traceId),
      ).toHaveLength(1),
    );
    const line = logLines.find(
      (entry) => entry.msg === 'request completed' && entry.trace_id === incoming.traceId,
    );
    expect(line).toMatchObject({ method: 'tools/call', tool: 'get_public_info', status: 200 });
    expect(spanIds.has(String(line?.span_id))).toBe(true);
    const requestLines = logLines.filter((entry) => entry.trace_id === incoming.traceId);
    for (const entry of requestLines) expect(spanIds.has(String(entry.span_id))).toBe(true);
    // fastify's own per-request pair is off: one line, not three.
    expect(logLines.some((entry) => entry.msg === 'incoming request')).toBe(false);
  });
});

describe('metrics', () => {
  it('counts decisions by tool and outcome and times requests and audit commits', async () => {
    const bearer = await token('metrics@example.com', ['public:read']);
    await callTool('get_public_info', { bearer });
    await callTool('get_confidential_info', { bearer });
    await callTool('no_such_tool', { bearer });

    const decisions = await telemetry.metricPoints(metricNames.decisions);
    const count = (tool: string, decision: string) =>
      decisions
        .filter(
          (p) => p.attributes[attr.mcpToolName] === tool && p.attributes[attr.authzDecision] === decision,
        )
        .reduce((sum, p) => sum + Number(p.value), 0);
    expect(count('get_public_info', 'allow')).toBeGreaterThanOrEqual(1);
    expect(count('get_confidential_info', 'deny')).toBeGreaterThanOrEqual(1);
    // A caller-chosen tool name never becomes a label value of its own.
    expect(count('no_such_tool', 'deny')).toBe(0);
    expect(count('(unknown)', 'deny')).toBeGreaterThanOrEqual(1);

    const durations = await telemetry.metricPoints(metricNames.requestDuration);
    expect(
      durations.some(
        (p) =>
          p.attributes[attr.mcpMethod] === 'tools/call' && p.attributes[attr.httpResponseStatusCode] === 403,
      ),
    ).toBe(true);
    const commits = await telemetry.metricPoints(metricNames.auditCommitDuration);
    expect(commits.some((p) => p.attributes[attr.auditOutcome] === 'committed')).toBe(true);
    expect(await telemetry.metricPoints(metricNames.auditCommitBatchSize)).not.toHaveLength(0);
  });
});

function hrMillis(time: readonly [number, number]): number {
  return time[0] * 1000 + time[1] / 1e6;
}
