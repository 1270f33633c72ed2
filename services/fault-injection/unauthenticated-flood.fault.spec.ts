import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildServer } from '../../load-test/lib/child-server.js';
import { LatencyRecorder } from '../../load-test/lib/latency-recorder.js';
import { RawMcpClient } from '../../load-test/lib/raw-http-client.js';
import { loadOrCreateSigningKeys, signAccessToken } from '../shared/auth/index.js';
import { entries, type FaultStack, startFaultStack } from './fault-stack.js';
import { driveUsers, type LedgerEntry, publicReaders } from './ledger.js';
import { sleep } from './readiness-probe.js';

const burst = 20;
const floodMs = 4_000;
const floodConnections = 64;
/** Bad requests per second: "thousands of bad tokens per second" (issue 6), at a fixed rate. */
const floodRate = 3_000;

let stack: FaultStack;
let mcp: { server: ChildServer; url: string };

beforeAll(async () => {
  stack = await startFaultStack({ AUTH_REJECTION_BURST: String(burst) });
  mcp = await stack.startMcpServer({ name: 'mcp-flooded', entry: entries.mcpServer });
}, 120_000);

afterAll(async () => {
  await stack?.close();
}, 60_000);

/** Tokens that fail in different ways (each its own reason code, so its own fold bucket). */
async function badTokens(): Promise<string[]> {
  const otherDir = await mkdtemp(join(tmpdir(), 'fault-other-keys-'));
  try {
    const other = await loadOrCreateSigningKeys(otherDir);
    const claims = {
      subject: 'mallory@example.com',
      scopes: ['public:read'],
      clientId: 'flood',
      audience: stack.resourceUrl,
      issuer: stack.tokenServiceUrl,
      ttlSeconds: 300,
      policyVersion: '2',
    };
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${Buffer.from(
      JSON.stringify({ sub: 'mallory', aud: stack.resourceUrl }),
    ).toString('base64url')}.`;
    return [
      'not-a-jwt',
      none,
      await signAccessToken(claims, other.current),
      await signAccessToken({ ...claims, audience: 'http://127.0.0.1:1/elsewhere' }, stack.keys.current),
      await signAccessToken(
        { ...claims, ttlSeconds: 60, now: new Date(Date.now() - 3_600_000) },
        stack.keys.current,
      ),
    ];
  } finally {
    await rm(otherDir, { recursive: true, force: true });
  }
}

function p99Between(ledger: readonly LedgerEntry[], from: number, to: number): { p99: number; n: number } {
  const recorder = new LatencyRecorder();
  for (const e of ledger)
    if (e.startedAt >= from && e.endedAt <= to && e.kind === 'ok') recorder.add(e.endedAt - e.startedAt);
  return { p99: recorder.summary().p99, n: recorder.count };
}

describe('an unauthenticated flood while authenticated clients work', () => {
  it('keeps authenticated latency within bounds, accounts for every rejection, and keeps the log bounded', async () => {
    const users = await publicReaders((o) => stack.mint(o), 'worker', 4);
    const bad = await badTokens();
    // Both clients write to sockets directly (load-test/lib/raw-http-client.ts): they share this
    // process and two cores with the server, and undici's CPU per request would be the flood's too.
    const client = new RawMcpClient({ url: mcp.url, connections: users.length, timeoutMs: 15_000 });
    const flooder = new RawMcpClient({ url: mcp.url, connections: floodConnections, timeoutMs: 15_000 });
    const ledger: LedgerEntry[] = [];
    let done = false;
    const load = driveUsers({ client, users, ledger, until: () => done });

    await sleep(800); // warm-up
    const quietFrom = Date.now();
    await sleep(2_500);
    const floodFrom = Date.now();
    const floodStatus = new Map<string, number>();
    let floodRequests = 0;
    let floodSkipped = 0;
    // Open loop at a fixed rate, as an attacker sends: the flood does not slow down when the server
    // does. Requests beyond floodConnections in flight are skipped (counted), never queued.
    const floodUntil = floodFrom + floodMs;
    const inFlight = new Set<Promise<void>>();
    while (Date.now() < floodUntil) {
      const due = Math.floor(((Date.now() - floodFrom) * floodRate) / 1_000) - floodRequests - floodSkipped;
      for (let k = 0; k < due; k++) {
        if (inFlight.size >= floodConnections) {
          floodSkipped++;
          continue;
        }
        const n = floodRequests++;
        const token = n % (bad.length + 1) === bad.length ? undefined : bad[n % (bad.length + 1)];
        const sent = flooder
          .send('{"jsonrpc":"2.0","id":1,"method":"tools/list"}', { token })
          .then((outcome) => {
            const label = `${outcome.status} ${outcome.errorBody?.error ?? outcome.label}`;
            floodStatus.set(label, (floodStatus.get(label) ?? 0) + 1);
          })
          .finally(() => inFlight.delete(sent));
        inFlight.add(sent);
      }
      await sleep(2);
    }
    await Promise.all(inFlight);
    const floodTo = Date.now();
    await sleep(300);
    done = true;
    await load;
    await client.close();
    await flooder.close();
    // A graceful stop writes the folded counts of the current window.
    await mcp.server.stop('SIGTERM');

    const quiet = p99Between(ledger, quietFrom, floodFrom);
    const flooded = p99Between(ledger, floodFrom, floodTo);
    const rejected = (await stack.events()).filter(
      (e) => e.type === 'auth.rejected' && e.instanceId === 'mcp-flooded',
    );
    const accounted = rejected.reduce((sum, e) => sum + Number(e.data.count ?? 1), 0);
    const answered401 = [...floodStatus]
      .filter(([label]) => label.startsWith('401 '))
      .reduce((s, [, n]) => s + n, 0);
    const reasons = new Set(rejected.map((e) => e.reasonCode));
    console.log(
      JSON.stringify({
        scenario: 'unauthenticated flood',
        floodRequests,
        floodRps: Math.round((floodRequests * 1_000) / (floodTo - floodFrom)),
        floodSkipped,
        floodAnswers: Object.fromEntries(floodStatus),
        authenticatedP99QuietMs: Math.round(quiet.p99 * 10) / 10,
        authenticatedP99FloodMs: Math.round(flooded.p99 * 10) / 10,
        p99Ratio: Math.round((flooded.p99 / Math.max(quiet.p99, 0.001)) * 100) / 100,
        authenticatedCalls: { quiet: quiet.n, flood: flooded.n },
        authRejectedRows: rejected.length,
        accounted,
        reasons: [...reasons],
      }),
    );

    // Thousands per second were sent (most of the fixed rate; skips only when 64 were in flight).
    expect((floodRequests * 1_000) / (floodTo - floodFrom)).toBeGreaterThan(1_000);
    expect(answered401).toBe(floodRequests);
    // Every rejection is in the log, individually or inside a folded count.
    expect(accounted).toBe(answered401);
    // …and the log grows by at most the burst per reason per window plus one folded row each.
    expect(rejected.length).toBeLessThanOrEqual(reasons.size * (burst + 1) * 2);
    expect(
      ledger.filter((e) => e.startedAt >= floodFrom && e.endedAt <= floodTo).every((e) => e.kind === 'ok'),
    ).toBe(true);
    expect(flooded.n).toBeGreaterThan(0);
    // The aim is 2× (see the logged p99Ratio); on a shared 2-core machine, where the flood's
    // client competes for the same cores, only a generous bound against starvation is asserted.
    expect(flooded.p99).toBeLessThan(Math.max(20 * Math.max(quiet.p99, 10), 2_000));
  }, 90_000);
});
