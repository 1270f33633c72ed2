import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildServer } from '../../load-test/lib/child-server.js';
import { McpHttpClient } from '../../load-test/lib/mcp-http-client.js';
import { type FaultStack, startFaultStack } from './fault-stack.js';
import { countLabels, driveUsers, type LedgerEntry, publicReaders } from './ledger.js';
import { pollReadiness, sleep, waitUntil } from './readiness-probe.js';
import { reconcile } from './reconcile.js';

const deadlineMs = 1_000;
// Fail closed "within the deadline": the commit deadline plus generous room for a busy 2-core machine.
const answerBoundMs = deadlineMs + 2_500;
const designed503 = new Set(['ERR_AUDIT_UNAVAILABLE', 'ERR_AUDIT_OVERLOADED', 'ERR_REVOCATION_FEED_STALE']);

let stack: FaultStack;
let mcp: { server: ChildServer; url: string };

beforeAll(async () => {
  stack = await startFaultStack({ AUDIT_COMMIT_DEADLINE_MS: String(deadlineMs) });
  mcp = await stack.startMcpServer();
}, 120_000);

afterAll(async () => {
  await stack?.close();
}, 60_000);

describe('PostgreSQL stops (immediate) under load, then starts again', () => {
  it('fails closed within the deadline, runs no tool while down, turns /ready false and back, and resumes without a restart', async () => {
    const users = await publicReaders((o) => stack.mint(o), 'reader', 5, { denied: true });
    const client = new McpHttpClient({ url: mcp.url, connections: users.length, timeoutMs: 15_000 });
    const ledger: LedgerEntry[] = [];
    const readiness = pollReadiness(mcp.server.baseUrl, 50);
    let done = false;
    const load = driveUsers({ client, users, ledger, until: () => done, pauseMs: 5 });

    await sleep(1_500);
    const stopBegan = Date.now();
    await stack.postgres.stop('immediate');
    const stopped = Date.now();
    await sleep(4_000);
    const startBegan = Date.now();
    await stack.postgres.start();
    const started = Date.now();
    const recoveredIn = await waitUntil(async () => {
      const response = await fetch(new URL('/ready', mcp.server.baseUrl));
      return response.status === 200;
    }, 20_000);
    // Keep going until calls succeed again on the same process.
    await waitUntil(async () => ledger.some((e) => e.startedAt > started && e.kind === 'ok'), 20_000);
    await sleep(1_000);
    done = true;
    await load;
    await readiness.stop();
    await client.close();

    const during = ledger.filter((e) => e.startedAt >= stopped + 100 && e.endedAt <= startBegan);
    const reconciliation = reconcile({
      ledger,
      events: await stack.events(),
      marks: await stack.marks(),
      quietWindows: [{ label: 'postgres stopped', from: stopped + 100, to: startBegan }],
    });
    console.log(
      JSON.stringify({
        scenario: 'postgres stop -m immediate',
        stopMs: stopped - stopBegan,
        downMs: startBegan - stopped,
        readyAgainAfterStartMs: started - startBegan + recoveredIn,
        requests: ledger.length,
        duringOutage: countLabels(during),
        maxAnswerDuringOutageMs: Math.max(0, ...during.map((e) => e.endedAt - e.startedAt)),
        all: countLabels(ledger),
        ...reconciliation.stats,
      }),
    );

    expect(reconciliation.violations).toEqual([]);
    expect(during.length).toBeGreaterThan(0);
    for (const entry of during) {
      expect({ status: entry.status, code: entry.code }).toMatchObject({ status: 503 });
      expect(designed503.has(entry.code ?? '')).toBe(true);
      expect(entry.endedAt - entry.startedAt).toBeLessThan(answerBoundMs);
    }
    const whileDown = readiness.samples.filter((s) => s.at > stopped + deadlineMs + 500 && s.at < startBegan);
    expect(whileDown.length).toBeGreaterThan(0);
    expect(whileDown.some((s) => s.status === 503)).toBe(true);
    expect(readiness.samples.every((s) => s.latencyMs < 5_000)).toBe(true);
    expect(readiness.samples.filter((s) => s.at > started).some((s) => s.status === 200)).toBe(true);
    // The same process recovered by itself.
    expect(mcp.server.process.exitCode).toBeNull();
    expect(ledger.some((e) => e.startedAt > started && e.kind === 'ok')).toBe(true);
    expect(ledger.some((e) => e.startedAt < stopBegan && e.kind === 'ok')).toBe(true);
    expect(ledger.some((e) => e.startedAt < stopBegan && e.kind === 'denied')).toBe(true);
  }, 90_000);
});
