import type { ToolCallAllowed } from '../../services/shared/event-store/index.js';
import { LatencyRecorder } from './latency-recorder.js';

/** One append phase of the audit benchmarks. */
export interface AppendPhaseResult {
  readonly mode: string;
  readonly producers: number;
  readonly events: number;
  readonly eventsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** A realistic decision event (the shape the MCP server appends for an allowed call). */
export function benchEvent(producer: number, n: number): ToolCallAllowed {
  return {
    type: 'tool.call.allowed',
    service: 'bench',
    instanceId: `bench-${process.pid}`,
    actor: { subject: `user-${producer}@example.com`, clientId: 'claude-code', tokenId: `jti-${producer}` },
    request: { method: 'tools/call', toolName: 'get_public_info', jsonRpcId: String(n) },
    decision: 'allow',
    reasonCode: 'OK',
    policy: { id: 'tools', version: '2025-01-01', hash: 'a'.repeat(64) },
    scopesRequired: ['public:read'],
    scopesGranted: ['public:read'],
    trace: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' },
    source: { address: '10.0.0.1', userAgent: 'claude-code/2.1' },
    data: { argumentsHmac: 'f'.repeat(64) },
  };
}

/**
 * Runs `producers` loops that each await one append at a time until the phase ends: the commit
 * latency a request sees, and the events per second all of them get committed.
 */
export async function appendPhase(
  mode: string,
  producers: number,
  durationMs: number,
  appendOne: (producer: number, n: number) => Promise<unknown>,
): Promise<AppendPhaseResult> {
  const latencies = new LatencyRecorder();
  const started = performance.now();
  const endAt = started + durationMs;
  await Promise.all(
    Array.from({ length: producers }, async (_, producer) => {
      for (let n = 0; performance.now() < endAt; n++) {
        const t0 = performance.now();
        await appendOne(producer, n);
        latencies.add(performance.now() - t0);
      }
    }),
  );
  const elapsedS = (performance.now() - started) / 1_000;
  const summary = latencies.summary();
  return {
    mode,
    producers,
    events: summary.count,
    eventsPerSecond: summary.count / elapsedS,
    p50Ms: summary.p50,
    p99Ms: summary.p99,
  };
}
