import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devTokensRoute } from '../../token-service/src/routes/dev-tokens-route.js';
import { loadOrCreateSigningKeys } from '../auth/index.js';
import { installErrorHandler } from '../http/index.js';
import { type AuditStore, openAuditStore } from '../runtime/index.js';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.js';
import { telemetryAttributes as attr, metricNames, spanNames } from './attributes.js';
import { type InMemoryTelemetry, startInMemoryTelemetry } from './testing/in-memory-telemetry.js';
import { spanTree } from './testing/span-tree.js';

let telemetry: InMemoryTelemetry;
let database: TestDatabase;
let audit: AuditStore;
let dataDir: string;
let app: FastifyInstance;
const adminSecret = randomBytes(32);

beforeAll(async () => {
  telemetry = startInMemoryTelemetry();
  database = await createTestDatabase();
  dataDir = await mkdtemp(join(tmpdir(), 'token-tracing-'));
  audit = await openAuditStore({
    appEnv: 'test',
    instanceId: 'ts-tracing',
    host: '127.0.0.1',
    logLevel: 'silent',
    dataDir,
    databaseUrl: database.url,
    databaseAppRole: 'mcp_app',
    policyDir: 'policies',
    policyVersion: undefined,
    auditCommitDeadlineMs: 2000,
    auditConcurrentFlushes: 2,
  });
  const keys = await loadOrCreateSigningKeys(join(dataDir, 'keys'));
  app = Fastify();
  installErrorHandler(app);
  await app.register(devTokensRoute, {
    adminSecret,
    maxTtlSeconds: 3600,
    audiences: ['http://127.0.0.1:8080/mcp'],
    issuer: {
      keys,
      issuerUrl: 'http://127.0.0.1:8081',
      audience: 'http://127.0.0.1:8080/mcp',
      policy: { id: 'mcp-docs', version: '2', hash: 'b'.repeat(64) },
      append: audit.store.append,
      instanceId: 'ts-tracing',
    },
  });
});

afterAll(async () => {
  await app?.close();
  await audit?.close();
  await database?.drop();
  await telemetry?.shutdown();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('tracing token issuance', () => {
  it('nests token.issue and its audit append in the incoming trace, which token.issued carries', async () => {
    const traceId = randomBytes(16).toString('hex');
    const parentSpanId = randomBytes(8).toString('hex');
    const response = await app.inject({
      method: 'POST',
      url: '/dev/tokens',
      headers: {
        'x-dev-admin-secret': adminSecret.toString('base64'),
        traceparent: `00-${traceId}-${parentSpanId}-01`,
      },
      payload: { sub: 'issued@example.com', scope: 'public:read', ttl_seconds: 60 },
    });
    expect(response.statusCode).toBe(201);

    const root = spanTree(await telemetry.settledSpansOf(traceId)).single('request');
    expect(root.span.parentSpanContext?.spanId).toBe(parentSpanId);
    const issue = root.descendant(spanNames.tokenIssue);
    expect(issue.span.attributes).toMatchObject({
      [attr.enduserId]: 'issued@example.com',
      [attr.tokenIssuedVia]: 'dev-token-command',
      [attr.tokenScopes]: ['public:read'],
      [attr.authTokenId]: response.json().jti,
    });
    const append = issue.child(spanNames.auditAppend);
    expect(append.span.attributes[attr.auditEventType]).toBe('token.issued');

    const [event] = await audit.store.query({ type: 'token.issued', traceId });
    expect(event).toMatchObject({ subject: 'issued@example.com', traceId, spanId: issue.id });
    expect(append.span.attributes[attr.auditGlobalPosition]).toBe(event?.globalPosition);

    const issued = await telemetry.metricPoints(metricNames.tokensIssued);
    expect(issued.find((p) => p.attributes[attr.tokenIssuedVia] === 'dev-token-command')?.value).toBe(1);
  });
});
