import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/index.js';
import { awkwardStrings, sampleAllowed, sampleAwkward, sampleDenied } from '../testing/sample-events.js';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.js';
import { appendEvents } from './append-events.js';
import { contentHash, hashedFieldsOf } from './content-hash.js';
import { createEventStore, type EventStore } from './event-store.js';
import { prepareEvent } from './prepare-event.js';

let testDb: TestDatabase;
let database: DatabaseHandle;
let store: EventStore;

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await testDb.open();
  store = createEventStore({ database });
});
afterAll(async () => {
  await store.close();
  await testDb.drop();
});

describe('event store on PostgreSQL', () => {
  it('lands every event of 50 concurrent callers × 40 sequential appends exactly once, each caller getting its own receipts', async () => {
    const perCaller = await Promise.all(
      Array.from({ length: 50 }, async (_, caller) => {
        const receipts = [];
        for (let i = 0; i < 40; i++) {
          const [receipt] = await store.append(sampleAllowed({ data: { argumentsHmac: `${caller}:${i}` } }));
          receipts.push(receipt!);
        }
        return receipts;
      }),
    );
    const rows = await database.db
      .selectFrom('audit_events')
      .select(['event_id', 'global_position', 'data'])
      .where('instance_id', '=', 'test-instance')
      .execute();
    const byId = new Map(rows.map((row) => [row.event_id, row]));
    expect(rows).toHaveLength(2000);
    perCaller.forEach((receipts, caller) => {
      receipts.forEach((receipt, i) => {
        const row = byId.get(receipt.eventId)!;
        expect(row.global_position).toBe(receipt.globalPosition);
        expect(row.data).toEqual({ argumentsHmac: `${caller}:${i}` });
      });
      // One caller awaits each commit before the next append, so its positions only grow.
      const positions = receipts.map((receipt) => BigInt(receipt.globalPosition));
      expect(positions.every((position, i) => i === 0 || position > positions[i - 1]!)).toBe(true);
    });
  });

  it('commits 200 concurrent appends in far fewer INSERT statements (transactions) than events', async () => {
    const receipts = await Promise.all(
      Array.from({ length: 200 }, () => store.append(sampleAllowed({ reasonCode: 'grouped' }))),
    );
    expect(receipts).toHaveLength(200);
    // Each flush is one autocommit INSERT, hence one transaction id.
    const [row] = await database.execute<{ n: string }>(
      "SELECT count(DISTINCT transaction_id) AS n FROM audit_events WHERE reason_code = 'grouped'",
    );
    expect(Number(row!.n)).toBeGreaterThan(0);
    expect(Number(row!.n)).toBeLessThan(20);
  });

  it('does not duplicate a retried batch with the same idempotency keys, and reports the same positions', async () => {
    const batch = [
      sampleAllowed({ idempotencyKey: 'retry-1' }),
      sampleAllowed({ idempotencyKey: 'retry-2' }),
    ];
    const first = await store.append(batch);
    const second = await store.append(batch);
    const partly = await store.append([
      sampleAllowed({ idempotencyKey: 'retry-2' }),
      sampleAllowed({ idempotencyKey: 'retry-3' }),
    ]);
    expect(second).toEqual(first);
    expect(partly[0]).toEqual(first[1]);
    const rows = await database.db
      .selectFrom('audit_events')
      .select('idempotency_key')
      .where('idempotency_key', 'in', ['retry-1', 'retry-2', 'retry-3'])
      .execute();
    expect(rows.map((row) => row.idempotency_key).sort()).toEqual(['retry-1', 'retry-2', 'retry-3']);
  });

  it('does not duplicate when the very same prepared batch is sent twice (a retry after an unknown outcome)', async () => {
    const prepared = [prepareEvent(sampleAllowed(), new Date()), prepareEvent(sampleAllowed(), new Date())];
    const first = await appendEvents(database, prepared);
    const again = await appendEvents(database, [...prepared, ...prepared]);
    expect(again).toEqual([...first, ...first]);
  });

  it('refuses an event id already recorded under another idempotency key, without failing the batch', async () => {
    const [original] = await store.append(sampleAllowed({ idempotencyKey: 'owner-of-id' }));
    const results = await Promise.allSettled([
      store.append(sampleAllowed({ eventId: original!.eventId, idempotencyKey: 'thief' })),
      store.append(sampleAllowed()),
    ]);
    expect(results[0]).toMatchObject({ status: 'rejected', reason: { code: 'ERR_INTERNAL' } });
    expect(results[1].status).toBe('fulfilled');
  });

  it('stores every envelope field in its column, and the content hash recomputes from the row', async () => {
    const occurredAt = new Date('2025-03-04T05:06:07.089Z');
    const [receipt] = await store.append(sampleDenied({ occurredAt }));
    const [stored] = await store.query({
      afterPosition: String(BigInt(receipt!.globalPosition) - 1n),
      limit: 1,
    });
    expect(stored).toMatchObject({
      eventId: receipt!.eventId,
      idempotencyKey: receipt!.eventId,
      type: 'tool.call.denied',
      schemaVersion: 1,
      occurredAt,
      subject: 'bob@example.com',
      clientId: 'claude-code',
      tokenId: 'jti-2',
      mcpMethod: 'tools/call',
      toolName: 'get_confidential_info',
      jsonRpcId: '2',
      decision: 'deny',
      reasonCode: 'ERR_SCOPE_INSUFFICIENT',
      policyId: null,
      scopesRequired: ['confidential:read'],
      scopesGranted: ['public:read'],
      traceId: null,
      data: {},
    });
    expect(stored!.recordedAt).toBeInstanceOf(Date);
    expect(stored!.transactionId).toMatch(/^\d+$/);
    expect(contentHash(hashedFieldsOf(stored!))).toBe(stored!.contentHash);
    expect(contentHash({ ...hashedFieldsOf(stored!), subject: 'alice@example.com' })).not.toBe(
      stored!.contentHash,
    );
  });

  it('stores awkward strings (quotes, backslashes, braces, NULL, astral) exactly, hash intact', async () => {
    const events = Array.from({ length: awkwardStrings.length * 2 }, (_, n) => sampleAwkward(n));
    const receipts = await store.append(events);
    expect(receipts).toHaveLength(events.length);
    const first = BigInt(receipts[0]!.globalPosition) - 1n;
    const stored = await store.query({ afterPosition: String(first), limit: events.length });
    expect(stored).toHaveLength(events.length);
    stored.forEach((row, n) => {
      const sent = events[n]!;
      expect(row).toMatchObject({
        subject: sent.actor?.subject,
        clientId: sent.actor?.clientId,
        jsonRpcId: sent.request?.jsonRpcId,
        policyHash: sent.policy?.hash,
        scopesRequired: sent.scopesRequired,
        scopesGranted: sent.scopesGranted,
        userAgent: sent.source?.userAgent,
        idempotencyKey: sent.idempotencyKey,
        data: sent.data,
      });
      expect(contentHash(hashedFieldsOf(row))).toBe(row.contentHash);
    });
  });

  it('keeps appending after a migration changes a returned column under the prepared INSERT', async () => {
    // Every pooled connection prepares the INSERT once; an ALTER of a column it returns makes that
    // statement fail ("cached plan must not change result type") until the connection is replaced.
    const own = await testDb.open(null, { poolSize: 1 });
    const isolated = await testDb.open('mcp_app', { poolSize: 2 });
    const writer = createEventStore({ database: isolated, commitDeadlineMs: 5_000 });
    try {
      await Promise.all([writer.append(sampleAllowed()), writer.append(sampleAllowed())]);
      const [collation] = await own.execute<{ collation: string }>(
        `SELECT collation_name AS collation FROM information_schema.columns
         WHERE table_name = 'audit_events' AND column_name = 'idempotency_key'`,
      );
      const other = collation?.collation === 'C' ? 'default' : 'C';
      await own.execute(`ALTER TABLE audit_events ALTER COLUMN idempotency_key TYPE text COLLATE "${other}"`);
      const receipts = await Promise.all([writer.append(sampleAllowed()), writer.append(sampleAllowed())]);
      expect(receipts.flat()).toHaveLength(2);
      expect(writer.health().healthy).toBe(true);
    } finally {
      await writer.close();
    }
  });

  it('filters queries by type, subject, tool, decision, reason, trace and token', async () => {
    const traceId = 'f'.repeat(32);
    await store.append([
      sampleAllowed({
        actor: { subject: 'query-subject', tokenId: 'query-token' },
        trace: { traceId, spanId: '1'.repeat(16) },
      }),
      sampleDenied({ actor: { subject: 'query-subject', tokenId: 'query-token' } }),
    ]);
    const bySubject = await store.query({ subject: 'query-subject' });
    expect(bySubject.map((event) => event.type)).toEqual(['tool.call.allowed', 'tool.call.denied']);
    expect(await store.query({ subject: 'query-subject', decision: 'deny' })).toHaveLength(1);
    expect(await store.query({ subject: 'query-subject', type: ['tool.call.denied'] })).toHaveLength(1);
    expect(await store.query({ tokenId: 'query-token', toolName: 'get_public_info' })).toHaveLength(1);
    expect(await store.query({ traceId })).toHaveLength(1);
    expect(
      await store.query({ reasonCode: 'ERR_SCOPE_INSUFFICIENT', subject: 'query-subject' }),
    ).toHaveLength(1);
    expect(await store.query({ subject: "query-subject' OR '1'='1" })).toHaveLength(0);
    expect(await store.query({ subject: 'query-subject', until: new Date(0) })).toHaveLength(0);
  });

  it('notifies LISTENers when a revocation or policy activation commits, once per type and transaction', async () => {
    const payloads: string[] = [];
    const unlisten = await database.listen('audit_events', (payload) => payloads.push(payload));
    await store.append([sampleAllowed(), sampleAllowed()]);
    const revoked = {
      type: 'token.revoked',
      service: 'token-service',
      instanceId: 'i',
      data: { reason: 'test' },
    } as const;
    await store.append([revoked, revoked, sampleAllowed()]);
    await store.append({
      type: 'policy.activated',
      service: 'mcp-server',
      instanceId: 'i',
      data: { files: [] },
    });
    await expect.poll(() => payloads).toEqual(['token.revoked', 'policy.activated']);
    await unlisten();
  });
});
