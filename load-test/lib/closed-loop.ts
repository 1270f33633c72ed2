import { LatencyRecorder, type LatencySummary } from './latency-recorder.js';
import type { McpSender, SendOptions } from './mcp-http-client.js';

/** The result of a closed-loop phase. */
export interface ClosedLoopResult {
  readonly concurrency: number;
  readonly requests: number;
  readonly ok: number;
  readonly rps: number;
  readonly latencyMs: LatencySummary;
  /** Outcome labels other than `ok`, with counts. */
  readonly errors: Readonly<Record<string, number>>;
  /** Raw latencies, to merge rounds. */
  readonly recorder: LatencyRecorder;
  readonly elapsedMs: number;
}

/**
 * `concurrency` clients, each sending `message` again as soon as its previous answer arrived, for
 * `durationMs` (a closed loop: the server's speed sets the rate).
 */
export async function closedLoop(options: {
  client: McpSender;
  concurrency: number;
  durationMs: number;
  message: string;
  send: SendOptions;
}): Promise<ClosedLoopResult> {
  const recorder = new LatencyRecorder();
  const errors = new Map<string, number>();
  let ok = 0;
  const started = performance.now();
  const endAt = started + options.durationMs;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < endAt) {
        const outcome = await options.client.send(options.message, options.send);
        recorder.add(outcome.latencyMs);
        if (outcome.kind === 'ok') ok++;
        else errors.set(outcome.label, (errors.get(outcome.label) ?? 0) + 1);
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  return {
    concurrency: options.concurrency,
    requests: recorder.count,
    ok,
    rps: (ok * 1_000) / elapsedMs,
    latencyMs: recorder.summary(),
    errors: Object.fromEntries(errors),
    recorder,
    elapsedMs,
  };
}

/** Merges the rounds of one server at one concurrency into one result. */
export function mergeRounds(rounds: readonly ClosedLoopResult[]): ClosedLoopResult {
  const recorder = new LatencyRecorder();
  const errors = new Map<string, number>();
  let ok = 0;
  let elapsedMs = 0;
  for (const round of rounds) {
    recorder.merge(round.recorder);
    ok += round.ok;
    elapsedMs += round.elapsedMs;
    for (const [label, n] of Object.entries(round.errors)) errors.set(label, (errors.get(label) ?? 0) + n);
  }
  return {
    concurrency: rounds[0]?.concurrency ?? 0,
    requests: recorder.count,
    ok,
    rps: elapsedMs > 0 ? (ok * 1_000) / elapsedMs : 0,
    latencyMs: recorder.summary(),
    errors: Object.fromEntries(errors),
    recorder,
    elapsedMs,
  };
}
