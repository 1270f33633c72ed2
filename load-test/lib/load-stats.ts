import { LatencyRecorder, type LatencySummary } from './latency-recorder.js';
import type { Outcome, OutcomeKind } from './mcp-http-client.js';

/** What a load run measured; `--json` prints exactly this. */
export interface LoadReport {
  readonly url: string;
  readonly startedAt: string;
  readonly durationS: number;
  readonly peakUsers: number;
  readonly requests: number;
  readonly throughputRps: number;
  readonly latencyMs: LatencySummary;
  readonly byMethod: Readonly<
    Record<string, { readonly requests: number; readonly latencyMs: LatencySummary }>
  >;
  /** Requests that failed, by kind (`http`, `jsonrpc`, `tool`, `network`, `timeout`). */
  readonly errorsByKind: Readonly<Record<string, number>>;
  /** Every outcome label with its count (`ok`, `denied ERR_SCOPE_INSUFFICIENT`, `http 503 ERR_AUDIT_UNAVAILABLE`, …). */
  readonly outcomes: Readonly<Record<string, number>>;
  readonly errorRate: number;
  readonly toolCalls: { readonly allowed: number; readonly denied: number };
  /** Why the run ended: `duration`, `max-requests` or `interrupted`. */
  readonly stoppedBy: string;
}

/** A moment of a run, for the progress line. */
export interface LoadSnapshot {
  readonly elapsedMs: number;
  readonly users: number;
  readonly requests: number;
  readonly errors: number;
  readonly denied: number;
  /** Over the last progress interval. */
  readonly rps: number;
  readonly p99Ms: number;
}

const errorKinds: ReadonlySet<OutcomeKind> = new Set(['http', 'jsonrpc', 'tool', 'network', 'timeout']);

/** Accumulates outcomes of a load run. */
export class LoadStats {
  readonly #all = new LatencyRecorder();
  readonly #byMethod = new Map<string, LatencyRecorder>();
  readonly #outcomes = new Map<string, number>();
  readonly #errorsByKind = new Map<string, number>();
  #window = new LatencyRecorder();
  #windowStartedAt = performance.now();
  #errors = 0;
  #allowed = 0;
  #denied = 0;

  record(method: string, outcome: Outcome): void {
    this.#all.add(outcome.latencyMs);
    this.#window.add(outcome.latencyMs);
    let perMethod = this.#byMethod.get(method);
    if (!perMethod) {
      perMethod = new LatencyRecorder();
      this.#byMethod.set(method, perMethod);
    }
    perMethod.add(outcome.latencyMs);
    this.#outcomes.set(outcome.label, (this.#outcomes.get(outcome.label) ?? 0) + 1);
    if (errorKinds.has(outcome.kind)) {
      this.#errors++;
      this.#errorsByKind.set(outcome.kind, (this.#errorsByKind.get(outcome.kind) ?? 0) + 1);
    }
    if (outcome.kind === 'denied') this.#denied++;
    if (method === 'tools/call' && outcome.kind === 'ok') this.#allowed++;
  }

  get requests(): number {
    return this.#all.count;
  }

  /** A snapshot; starts a new progress window. */
  snapshot(elapsedMs: number, users: number): LoadSnapshot {
    const now = performance.now();
    const windowS = Math.max(0.001, (now - this.#windowStartedAt) / 1_000);
    const window = this.#window.summary();
    this.#window = new LatencyRecorder();
    this.#windowStartedAt = now;
    return {
      elapsedMs,
      users,
      requests: this.#all.count,
      errors: this.#errors,
      denied: this.#denied,
      rps: window.count / windowS,
      p99Ms: window.p99,
    };
  }

  report(meta: {
    url: string;
    startedAt: Date;
    durationMs: number;
    peakUsers: number;
    stoppedBy: string;
  }): LoadReport {
    const durationS = meta.durationMs / 1_000;
    const requests = this.#all.count;
    return {
      url: meta.url,
      startedAt: meta.startedAt.toISOString(),
      durationS: round(durationS, 3),
      peakUsers: meta.peakUsers,
      requests,
      throughputRps: round(durationS > 0 ? requests / durationS : 0, 1),
      latencyMs: roundSummary(this.#all.summary()),
      byMethod: Object.fromEntries(
        [...this.#byMethod].map(([method, recorder]) => [
          method,
          { requests: recorder.count, latencyMs: roundSummary(recorder.summary()) },
        ]),
      ),
      errorsByKind: Object.fromEntries(this.#errorsByKind),
      outcomes: Object.fromEntries([...this.#outcomes].sort((a, b) => b[1] - a[1])),
      errorRate: round(requests === 0 ? 0 : this.#errors / requests, 5),
      toolCalls: { allowed: this.#allowed, denied: this.#denied },
      stoppedBy: meta.stoppedBy,
    };
  }
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function roundSummary(summary: LatencySummary): LatencySummary {
  return {
    count: summary.count,
    p50: round(summary.p50, 2),
    p90: round(summary.p90, 2),
    p99: round(summary.p99, 2),
    max: round(summary.max, 2),
    mean: round(summary.mean, 2),
  };
}
