import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McpHttpClient } from '../../load-test/lib/mcp-http-client.js';
import { type FaultStack, startFaultStack } from './fault-stack.js';
import { countLabels, driveUsers, type LedgerEntry, publicReaders } from './ledger.js';
import { sleep, waitUntil } from './readiness-probe.js';
import { reconcile } from './reconcile.js';

let stack: FaultStack;

beforeAll(async () => {
  stack = await startFaultStack();
}, 120_000);

afterAll(async () => {
  await stack?.close();
}, 60_000);

describe('kill -9 of an MCP server under load', () => {
  it('keeps every invariant for what was acknowledged, and a new process serves on', async () => {
    const first = await stack.startMcpServer({ name: 'mcp-killed' });
    const users = await publicReaders((o) => stack.mint(o), 'kill', 8, { denied: true });
    const client = new McpHttpClient({ url: first.url, connections: users.length, timeoutMs: 15_000 });
    const ledger: LedgerEntry[] = [];
    let done = false;
    const load = driveUsers({ client, users, ledger, until: () => done });

    await waitUntil(async () => ledger.filter((e) => e.kind === 'ok').length >= 200, 20_000);
    const killedAt = Date.now();
    first.server.process.kill('SIGKILL');
    const exit = await first.server.exited;
    await sleep(500);
    // What a Deployment does next: a new process on the same address.
    const second = await stack.startMcpServer({ name: 'mcp-restarted', port: first.port });
    const restartedAt = Date.now();
    await waitUntil(async () => ledger.some((e) => e.startedAt > restartedAt && e.kind === 'ok'), 20_000);
    await sleep(500);
    done = true;
    await load;
    await client.close();
    await second.server.stop();

    const events = await stack.events();
    const marks = await stack.marks();
    const reconciliation = reconcile({ ledger, events, marks });
    const inFlight = ledger.filter((e) => e.startedAt <= killedAt && e.endedAt >= killedAt);
    console.log(
      JSON.stringify({
        scenario: 'kill -9 of an MCP server',
        exit,
        requests: ledger.length,
        inFlightAtKill: countLabels(inFlight),
        all: countLabels(ledger),
        marksOfKilledProcess: marks.filter((m) => m.pid === first.server.pid).length,
        ...reconciliation.stats,
      }),
    );

    expect(exit.signal).toBe('SIGKILL');
    expect(reconciliation.violations).toEqual([]);
    // Calls the client never saw answered may have been allowed (and even run) before the kill; that
    // is the only way an allow can lack its acknowledgement.
    expect(reconciliation.stats.allowedNotAcknowledged).toBeLessThanOrEqual(users.length);
    expect(ledger.some((e) => e.startedAt > restartedAt && e.kind === 'denied')).toBe(true);
  }, 90_000);
});
