import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McpHttpClient } from '../../load-test/lib/mcp-http-client.js';
import { type DatabaseHandle, openDatabase } from '../shared/db/index.js';
import { createEventStore, type EventStore } from '../shared/event-store/index.js';
import { entries, type FaultStack, type Minted, startFaultStack } from './fault-stack.js';
import { sleep, waitUntil } from './readiness-probe.js';

const pollMs = 300;
const staleMs = 2_000;

let stack: FaultStack;
let replicas: { name: string; client: McpHttpClient; baseUrl: string }[];
let database: DatabaseHandle;
let store: EventStore;

beforeAll(async () => {
  stack = await startFaultStack({
    REVOCATION_POLL_INTERVAL_MS: String(pollMs),
    REVOCATION_MAX_STALENESS_MS: String(staleMs),
  });
  replicas = [];
  for (const name of ['replica-a', 'replica-b']) {
    const { server, url } = await stack.startMcpServer({ name, entry: entries.mcpServer });
    replicas.push({
      name,
      client: new McpHttpClient({ url, connections: 4, timeoutMs: 10_000 }),
      baseUrl: server.baseUrl,
    });
  }
  database = await openDatabase({
    url: stack.databaseUrl,
    dataDir: '.data',
    appRole: 'mcp_app',
    poolSize: 2,
  });
  store = createEventStore({ database, commitDeadlineMs: 1_000 });
}, 120_000);

afterAll(async () => {
  await store?.close();
  await database?.close();
  for (const replica of replicas ?? []) await replica.client.close();
  await stack?.close();
}, 60_000);

// Authenticated but not JSON-RPC: 400 and no event while the token is good, 401 once it is revoked.
const probe = (client: McpHttpClient, minted: Minted) => client.send('{}', { token: minted.token });

async function revoke(minted: Minted): Promise<void> {
  await store.append({
    type: 'token.revoked',
    service: 'token-service',
    instanceId: 'fault-injection',
    actor: { subject: 'security@example.com' },
    data: { revokedTokenId: minted.tokenId, reason: 'fault-injection' },
  });
}

/** Resolves when every replica refuses the token as revoked; the time it took. */
async function refusedEverywhere(minted: Minted, timeoutMs: number): Promise<number> {
  return waitUntil(
    async () => {
      const outcomes = await Promise.all(replicas.map((r) => probe(r.client, minted)));
      return outcomes.every((o) => o.status === 401 && o.errorBody?.error === 'ERR_TOKEN_REVOKED');
    },
    timeoutMs,
    20,
  );
}

describe('PostgreSQL restarts while replicas listen for revocations', () => {
  it('misses no revocation: those before, right after the restart (listeners still reconnecting), and later', async () => {
    const tokens: Minted[] = [];
    for (let i = 0; i < 30; i++)
      tokens.push(await stack.mint({ sub: `rev-${i}@example.com`, scopes: ['public:read'] }));
    for (const replica of replicas) expect((await probe(replica.client, tokens[0]!)).status).toBe(400);

    const before = tokens.slice(0, 5);
    for (const minted of before) await revoke(minted);
    for (const minted of before) await refusedEverywhere(minted, 5_000);

    await stack.postgres.stop('immediate');
    const stoppedAt = Date.now();
    // While the log is unreachable, a replica trusts its revoked set only until it is stale.
    await sleep(staleMs + pollMs + 500);
    const whileDown = await Promise.all(replicas.map((r) => probe(r.client, tokens[29]!)));
    await stack.postgres.start();
    const startedAt = Date.now();

    // Straight away, while each replica's LISTEN connection is still reconnecting.
    const burst = tokens.slice(5, 20);
    for (const minted of burst) {
      await waitUntil(
        () =>
          revoke(minted).then(
            () => true,
            () => false,
          ),
        15_000,
        20,
      );
    }
    const burstCommittedAt = Date.now();
    const propagation: number[] = [];
    for (const minted of burst) propagation.push(await refusedEverywhere(minted, 10_000));
    for (const replica of replicas) {
      await waitUntil(async () => (await fetch(new URL('/ready', replica.baseUrl))).status === 200, 15_000);
    }

    const later = tokens.slice(20, 25);
    const laterMs: number[] = [];
    for (const minted of later) {
      await revoke(minted);
      laterMs.push(await refusedEverywhere(minted, 5_000));
    }
    // Every revocation, old and new, is still enforced by both; the others still work.
    const verdicts: string[] = [];
    for (const minted of tokens) {
      for (const replica of replicas) {
        const outcome = await probe(replica.client, minted);
        verdicts.push(`${minted.tokenId}@${replica.name}:${outcome.status}`);
      }
    }
    const revokedIds = new Set([...before, ...burst, ...later].map((m) => m.tokenId));
    const expected = tokens.flatMap((minted) =>
      replicas.map(
        (replica) => `${minted.tokenId}@${replica.name}:${revokedIds.has(minted.tokenId) ? 401 : 400}`,
      ),
    );
    console.log(
      JSON.stringify({
        scenario: 'postgres restart with revocation listeners',
        downMs: startedAt - stoppedAt,
        whileDown: whileDown.map((o) => o.label),
        burstCommitMs: burstCommittedAt - startedAt,
        burstVisibleEverywhereMs: Math.max(...propagation),
        laterVisibleEverywhereMs: laterMs,
      }),
    );
    expect(whileDown.map((o) => o.errorBody?.error)).toEqual([
      'ERR_REVOCATION_FEED_STALE',
      'ERR_REVOCATION_FEED_STALE',
    ]);
    expect(verdicts).toEqual(expected);
    // Once everything has settled, revocations propagate again (measured: tens of ms; bound generous).
    expect(Math.max(...laterMs)).toBeLessThan(2_000);
  }, 90_000);
});
