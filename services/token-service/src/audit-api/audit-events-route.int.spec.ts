import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signAccessToken } from '../../../shared/auth/index.js';
import type { AuditEvent } from '../../../shared/event-store/index.js';
import { sampleAllowed, sampleDenied } from '../../../shared/testing/sample-events.js';
import { startTestStack, type TestStack } from '../../../shared/testing/start-test-stack.js';
import type { PublicAuditEvent } from './public-event.js';

let stack: TestStack;
let auditToken: string;
const tag = randomBytes(3).toString('hex');
const alice = `alice-${tag}@example.com`;
const bob = `bob-${tag}@example.com`;
const traceA = randomBytes(16).toString('hex');
const traceB = randomBytes(16).toString('hex');
const sentinelTrace = randomBytes(16).toString('hex');
let beforeSeed: Date;
const seeded = new Map<string, string>();

async function tokenFor(options: { scopes: string[]; audience?: string; sub?: string }): Promise<string> {
  return signAccessToken(
    {
      subject: options.sub ?? `sec-${tag}@example.com`,
      scopes: options.scopes,
      clientId: 'mcp-audit-test',
      audience: options.audience ?? stack.tokenServiceUrl,
      issuer: stack.tokenServiceUrl,
      ttlSeconds: 600,
      policyVersion: '2',
    },
    stack.keys.current,
  );
}

interface JsonPage {
  status: number;
  headers: Headers;
  body: {
    events: PublicAuditEvent[];
    next_cursor: string;
    has_more: boolean;
    error?: string;
    message?: string;
  };
}

async function get(
  query: string | URLSearchParams,
  headers: Record<string, string> = {},
  token: string | null = auditToken,
): Promise<JsonPage> {
  const response = await fetch(`${stack.tokenServiceUrl}/audit/events?${query}`, {
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as JsonPage['body'],
  };
}

/** Events are readable once every older transaction in the cluster has finished: wait for that. */
async function getUntil(query: string, done: (page: JsonPage) => boolean): Promise<JsonPage> {
  const giveUpAt = Date.now() + 30_000;
  for (;;) {
    const page = await get(query);
    if (done(page) || Date.now() > giveUpAt) return page;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function names(page: JsonPage): string[] {
  return page.body.events.map((event) => seededName(event.event_id));
}

function seededName(eventId: string): string {
  return seeded.get(eventId) ?? `other:${eventId}`;
}

async function seed(name: string, event: AuditEvent): Promise<void> {
  const [receipt] = await stack.store.append(event);
  seeded.set(receipt!.eventId, name);
}

beforeAll(async () => {
  stack = await startTestStack();
  auditToken = await tokenFor({ scopes: ['audit:read'] });
  beforeSeed = new Date(Date.now() - 1_000);
  await seed(
    'alice-allowed',
    sampleAllowed({
      actor: { subject: alice, clientId: 'claude-code', tokenId: 'jti-a' },
      policy: { id: 'tools', version: `pv-a-${tag}`, hash: 'a'.repeat(64) },
      trace: { traceId: traceA, spanId: '00f067aa0ba902b7' },
    }),
  );
  await seed(
    'bob-denied',
    sampleDenied({
      actor: { subject: bob, clientId: `cursor-${tag}`, tokenId: 'jti-b' },
      policy: { id: 'tools', version: `pv-b-${tag}`, hash: 'b'.repeat(64) },
      trace: { traceId: traceB, spanId: '00f067aa0ba902b8' },
    }),
  );
  await seed('alice-listed', {
    type: 'tools.listed',
    service: 'mcp-server',
    instanceId: 'test',
    actor: { subject: alice, clientId: `cursor-${tag}` },
    request: { method: 'tools/list' },
    decision: 'allow',
    reasonCode: `LISTED_${tag}`,
    policy: { id: 'tools', version: `pv-a-${tag}`, hash: 'a'.repeat(64) },
    data: { visible: ['get_public_info'], hidden: ['get_confidential_info'] },
  });
  await seed(
    'alice-denied',
    sampleDenied({
      actor: { subject: alice, clientId: 'claude-code', tokenId: 'jti-a' },
      reasonCode: 'ERR_TOOL_NOT_IN_POLICY',
      request: { method: 'tools/call', toolName: `secret_tool_${tag}`, jsonRpcId: '9' },
    }),
  );
  await seed(
    'sentinel',
    sampleAllowed({
      actor: { subject: `sentinel-${tag}` },
      trace: { traceId: sentinelTrace, spanId: 'a'.repeat(16) },
    }),
  );
  await getUntil(`trace_id=${sentinelTrace}`, (page) => page.body.events.length === 1);
});

afterAll(async () => {
  await stack?.close();
});

describe('GET /audit/events filters', () => {
  it('filters by subject, in commit order', async () => {
    expect(names(await get(`subject=${encodeURIComponent(alice)}`))).toEqual([
      'alice-allowed',
      'alice-listed',
      'alice-denied',
    ]);
  });

  it('filters by one type, by repeated type parameters and by a comma list', async () => {
    const subject = `subject=${encodeURIComponent(alice)}`;
    expect(names(await get(`${subject}&type=tool.call.denied`))).toEqual(['alice-denied']);
    expect(names(await get(`${subject}&type=tool.call.denied&type=tools.listed`))).toEqual([
      'alice-listed',
      'alice-denied',
    ]);
    expect(names(await get(`${subject}&type=tool.call.allowed,tool.call.denied`))).toEqual([
      'alice-allowed',
      'alice-denied',
    ]);
  });

  it('filters by client_id', async () => {
    expect(names(await get(`client_id=cursor-${tag}`))).toEqual(['bob-denied', 'alice-listed']);
  });

  it('filters by tool', async () => {
    expect(names(await get(`tool=secret_tool_${tag}`))).toEqual(['alice-denied']);
  });

  it('filters by decision', async () => {
    const subject = `subject=${encodeURIComponent(alice)}`;
    expect(names(await get(`${subject}&decision=deny`))).toEqual(['alice-denied']);
    expect(names(await get(`${subject}&decision=allow`))).toEqual(['alice-allowed', 'alice-listed']);
  });

  it('filters by reason', async () => {
    expect(names(await get(`reason=LISTED_${tag}`))).toEqual(['alice-listed']);
  });

  it('filters by trace_id, case-insensitively', async () => {
    expect(names(await get(`trace_id=${traceB.toUpperCase()}`))).toEqual(['bob-denied']);
  });

  it('filters by policy_version', async () => {
    expect(names(await get(`policy_version=pv-a-${tag}`))).toEqual(['alice-allowed', 'alice-listed']);
  });

  it('filters by time range, absolute and relative', async () => {
    const subject = `subject=${encodeURIComponent(alice)}`;
    expect(names(await get(`${subject}&until=${beforeSeed.toISOString()}`))).toEqual([]);
    expect(names(await get(`${subject}&since=${beforeSeed.toISOString()}`))).toHaveLength(3);
    expect(names(await get(`${subject}&since=1h`))).toHaveLength(3);
    const later = new Date(Date.now() + 60_000).toISOString();
    expect(names(await get(`${subject}&since=${later}`))).toEqual([]);
    expect(names(await get(`${subject}&since=2h&until=${later}&decision=deny`))).toEqual(['alice-denied']);
  });

  it('combines filters with AND', async () => {
    expect(names(await get(`subject=${encodeURIComponent(alice)}&client_id=cursor-${tag}`))).toEqual([
      'alice-listed',
    ]);
    expect(names(await get(`subject=${encodeURIComponent(bob)}&tool=get_public_info`))).toEqual([]);
  });
});

describe('GET /audit/events response', () => {
  it('returns the public snake_case shape, a cursor, and Link rel="next" only for a full page', async () => {
    const full = await get(`subject=${encodeURIComponent(alice)}&limit=2`);
    expect(full.status).toBe(200);
    expect(full.headers.get('cache-control')).toBe('no-store');
    expect(full.body.has_more).toBe(true);
    const event = full.body.events[0]!;
    expect(Object.keys(event).sort()).toEqual(
      [
        'position',
        'event_id',
        'type',
        'schema_version',
        'occurred_at',
        'recorded_at',
        'service',
        'instance_id',
        'subject',
        'client_id',
        'token_id',
        'mcp_method',
        'tool_name',
        'jsonrpc_id',
        'decision',
        'reason_code',
        'policy_id',
        'policy_version',
        'policy_hash',
        'scopes_required',
        'scopes_granted',
        'trace_id',
        'span_id',
        'source_address',
        'user_agent',
        'data',
        'content_hash',
      ].sort(),
    );
    expect(event).toMatchObject({
      type: 'tool.call.allowed',
      subject: alice,
      client_id: 'claude-code',
      tool_name: 'get_public_info',
      decision: 'allow',
      trace_id: traceA,
      scopes_required: ['public:read'],
    });
    expect(event.position).toMatch(/^\d+$/);
    expect(new Date(event.recorded_at).toISOString()).toBe(event.recorded_at);

    const link = full.headers.get('link')!;
    expect(link).toMatch(
      /^<http:\/\/127\.0\.0\.1:\d+\/audit\/events\?.*cursor=[A-Za-z0-9_-]+.*>; rel="next"$/,
    );
    const nextUrl = new URL(link.slice(1, link.indexOf('>')));
    expect(nextUrl.searchParams.get('cursor')).toBe(full.body.next_cursor);
    expect(nextUrl.searchParams.get('subject')).toBe(alice);
    const next = await get(nextUrl.searchParams);
    expect(names(next)).toEqual(['alice-denied']);
    expect(next.body.has_more).toBe(false);
    expect(next.headers.get('link')).toBeNull();
    expect(next.headers.get('x-next-cursor')).toBe(next.body.next_cursor);

    // Nothing new: the cursor from the end of the log returns nothing and stays valid.
    const after = await get(`subject=${encodeURIComponent(alice)}&cursor=${next.body.next_cursor}`);
    expect(after.body.events).toEqual([]);
  });

  it('resolves a relative since once: the next link carries the absolute time', async () => {
    const page = await get(`subject=${encodeURIComponent(alice)}&since=2h&limit=1`);
    const link = page.headers.get('link')!;
    const since = new URL(link.slice(1, link.indexOf('>'))).searchParams.get('since')!;
    expect(since).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Math.abs(Date.parse(since) - (Date.now() - 7_200_000))).toBeLessThan(60_000);
  });

  it('streams NDJSON for Accept: application/x-ndjson and for format=ndjson', async () => {
    const requests: { query: string; headers: Record<string, string> }[] = [
      { query: `subject=${encodeURIComponent(alice)}`, headers: { accept: 'application/x-ndjson' } },
      { query: `subject=${encodeURIComponent(alice)}&format=ndjson`, headers: {} },
    ];
    for (const request of requests) {
      const response = await fetch(`${stack.tokenServiceUrl}/audit/events?${request.query}`, {
        headers: { authorization: `Bearer ${auditToken}`, ...request.headers },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
      expect(response.headers.get('x-next-cursor')).toMatch(/^[A-Za-z0-9_-]+$/);
      const text = await response.text();
      expect(text.endsWith('\n')).toBe(true);
      const lines = text
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as PublicAuditEvent);
      expect(lines.map((event) => seededName(event.event_id))).toEqual([
        'alice-allowed',
        'alice-listed',
        'alice-denied',
      ]);
    }
    const paged = await fetch(
      `${stack.tokenServiceUrl}/audit/events?subject=${encodeURIComponent(alice)}&limit=1`,
      {
        headers: { authorization: `Bearer ${auditToken}`, accept: 'application/x-ndjson' },
      },
    );
    expect(paged.headers.get('link')).toMatch(/rel="next"$/);
    expect((await paged.text()).trimEnd().split('\n')).toHaveLength(1);
  });

  it('records each query as audit.queried (who, filters, result count) before answering', async () => {
    const { header, traceId } = stack.traceparent();
    const page = await get(`subject=${encodeURIComponent(alice)}&decision=deny&since=2h`, {
      traceparent: header,
    });
    expect(page.status).toBe(200);
    // No waiting: the event is committed before the response leaves.
    const events = await stack.store.query({ type: 'audit.queried', traceId });
    expect(events).toHaveLength(1);
    const [queried] = events;
    expect(queried).toMatchObject({
      subject: `sec-${tag}@example.com`,
      clientId: 'mcp-audit-test',
      mcpMethod: 'GET /audit/events',
      decision: 'allow',
      scopesRequired: ['audit:read'],
      scopesGranted: ['audit:read'],
      data: {
        resultCount: 1,
        filters: { subject: alice, decision: 'deny', limit: '100', format: 'json' },
      },
    });
    expect((queried!.data.filters as Record<string, string>).since).toMatch(/Z$/);
  });
});

describe('GET /audit/events refusals', () => {
  async function rejectionsOf(traceId: string) {
    const giveUpAt = Date.now() + 10_000;
    for (;;) {
      const events = await stack.store.query({ type: 'auth.rejected', traceId });
      if (events.length > 0 || Date.now() > giveUpAt) return events;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('refuses a request without a token with 401 and records the refusal', async () => {
    const { header, traceId } = stack.traceparent();
    const page = await get('limit=1', { traceparent: header }, null);
    expect(page.status).toBe(401);
    expect(page.body.error).toBe('ERR_TOKEN_MISSING');
    expect(page.headers.get('www-authenticate')).toMatch(/^Bearer resource_metadata=/);
    const events = await rejectionsOf(traceId);
    expect(events.map((e) => [e.reasonCode, e.mcpMethod])).toEqual([
      ['ERR_TOKEN_MISSING', 'GET /audit/events'],
    ]);
  });

  it('refuses a token without audit:read with 403 insufficient_scope and records the refusal', async () => {
    const { header, traceId } = stack.traceparent();
    const token = await tokenFor({
      scopes: ['public:read', 'tokens:revoke'],
      sub: `nosy-${tag}@example.com`,
    });
    const page = await get('limit=1', { traceparent: header }, token);
    expect(page.status).toBe(403);
    expect(page.body.error).toBe('ERR_SCOPE_INSUFFICIENT');
    expect(page.headers.get('www-authenticate')).toMatch(/error="insufficient_scope"/);
    expect(page.headers.get('www-authenticate')).toMatch(/scope="audit:read"/);
    const events = await rejectionsOf(traceId);
    expect(events.map((e) => [e.reasonCode, e.subject, e.decision])).toEqual([
      ['ERR_SCOPE_INSUFFICIENT', `nosy-${tag}@example.com`, 'deny'],
    ]);
  });

  it('refuses a token minted for the MCP server (no token passthrough) and records it', async () => {
    const { header, traceId } = stack.traceparent();
    const token = await tokenFor({ scopes: ['audit:read'], audience: stack.mcpUrl });
    const page = await get('limit=1', { traceparent: header }, token);
    expect(page.status).toBe(401);
    expect(page.body.error).toBe('ERR_TOKEN_AUDIENCE_INVALID');
    const events = await rejectionsOf(traceId);
    expect(events.map((e) => e.reasonCode)).toEqual(['ERR_TOKEN_AUDIENCE_INVALID']);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=1001', 'limit'],
    ['limit=ten', 'limit'],
    ['limit=5&limit=6', 'limit'],
    ['type=tool.call.exploded', 'type'],
    ["type=tool.call.allowed'%20OR%20'1'='1", 'type'],
    ['decision=maybe', 'decision'],
    ['trace_id=xyz', 'trace_id'],
    ['since=yesterday', 'since'],
    ['since=2025-02-30', 'since'],
    ['until=2025-06-01T12:00:00', 'until'],
    ['since=1h&until=2h', 'since'],
    ['cursor=bm90LWEtY3Vyc29y', 'cursor'],
    ['cursor=djEuMS4x%27%3B--', 'cursor'],
    ['subject=', 'subject'],
    ['subject=a%00b', 'subject'],
    [`subject=${'x'.repeat(300)}`, 'subject'],
    ['format=xml', 'format'],
    ['subjet=alice', 'unknown parameter'],
  ])('rejects %s with 400 ERR_AUDIT_QUERY_INVALID naming the parameter', async (query, named) => {
    const page = await get(query);
    expect(page.status).toBe(400);
    expect(page.body.error).toBe('ERR_AUDIT_QUERY_INVALID');
    expect(page.body.message).toContain(named);
  });

  it('treats SQL in a filter as a value: no rows, nothing breaks', async () => {
    for (const subject of ["' OR 1=1 --", "alice' OR 'a'='a", `${alice}'; DROP TABLE audit_events; --`]) {
      const page = await get(`subject=${encodeURIComponent(subject)}`);
      expect(page.status).toBe(200);
      expect(page.body.events).toEqual([]);
    }
    const page = await get(`tool=${encodeURIComponent("x' UNION SELECT * FROM audit_events --")}&reason=%27`);
    expect(page.status).toBe(200);
    expect(page.body.events).toEqual([]);
    expect(names(await get(`subject=${encodeURIComponent(alice)}`))).toHaveLength(3);
  });
});

describe('GET /audit/events pagination', () => {
  it('misses nothing and repeats nothing while several writers keep appending', async () => {
    const subject = `paged-${tag}@example.com`;
    const writers = 4;
    const perWriter = 60;
    const committed = new Set<string>();
    let writing = true;
    const appends = Promise.all(
      Array.from({ length: writers }, async (_, writer) => {
        for (let n = 0; n < perWriter; ) {
          const batch = Math.min(1 + ((n + writer) % 4), perWriter - n);
          const receipts = await stack.store.append(
            Array.from({ length: batch }, (_, i) =>
              sampleAllowed({
                actor: { subject, clientId: `writer-${writer}` },
                request: {
                  method: 'tools/call',
                  toolName: 'get_public_info',
                  jsonRpcId: `${writer}-${n + i}`,
                },
              }),
            ),
          );
          for (const receipt of receipts) committed.add(receipt.eventId);
          n += batch;
          await new Promise((resolve) => setTimeout(resolve, writer * 3));
        }
      }),
    ).finally(() => {
      writing = false;
    });

    const seen: string[] = [];
    let cursor: string | undefined;
    let pagesWhileWriting = 0;
    const giveUpAt = Date.now() + 60_000;
    while (Date.now() < giveUpAt) {
      const stillWriting = writing;
      const page = await get(
        `subject=${encodeURIComponent(subject)}&limit=7${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.events.map((event) => event.event_id));
      cursor = page.body.next_cursor;
      if (stillWriting) pagesWhileWriting++;
      if (!stillWriting && !page.body.has_more && seen.length >= writers * perWriter) break;
      if (!page.body.has_more) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await appends;
    expect(pagesWhileWriting).toBeGreaterThan(1);
    expect(new Set(seen).size).toBe(seen.length);
    expect(new Set(seen)).toEqual(committed);
    expect(committed.size).toBe(writers * perWriter);
  });
});
