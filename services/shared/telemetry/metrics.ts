import {
  type Counter,
  type Histogram,
  type MeterProvider,
  metrics,
  type ObservableGauge,
} from '@opentelemetry/api';
import { telemetryAttributes as attr, instrumentationScope, metricNames } from './attributes.js';

interface Instruments {
  readonly decisions: Counter;
  readonly requestDuration: Histogram;
  readonly auditCommitDuration: Histogram;
  readonly auditCommitBatchSize: Histogram;
  readonly tokensIssued: Counter;
  readonly revocationFeedLag: ObservableGauge;
}

const secondsBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const batchBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000];

const lagSources = new Set<() => number | undefined>();
// The API hands out a no-op meter until an SDK registers; instruments are made per provider, on first
// use, so an SDK started after this module loaded (a test) still receives them.
const byProvider = new WeakMap<MeterProvider, Instruments>();

function instruments(): Instruments {
  const provider = metrics.getMeterProvider();
  const existing = byProvider.get(provider);
  if (existing) return existing;
  const meter = provider.getMeter(instrumentationScope);
  const created: Instruments = {
    decisions: meter.createCounter(metricNames.decisions, {
      description: 'tools/call authorization decisions',
      unit: '{decision}',
    }),
    requestDuration: meter.createHistogram(metricNames.requestDuration, {
      description: 'Duration of /mcp requests, from arrival to the last byte of the response',
      unit: 's',
      advice: { explicitBucketBoundaries: secondsBuckets },
    }),
    auditCommitDuration: meter.createHistogram(metricNames.auditCommitDuration, {
      description: 'Duration of one group-commit flush of audit events (INSERT and COMMIT)',
      unit: 's',
      advice: { explicitBucketBoundaries: secondsBuckets },
    }),
    auditCommitBatchSize: meter.createHistogram(metricNames.auditCommitBatchSize, {
      description: 'Audit events per group-commit flush',
      unit: '{event}',
      advice: { explicitBucketBoundaries: batchBuckets },
    }),
    tokensIssued: meter.createCounter(metricNames.tokensIssued, {
      description: 'Access tokens issued',
      unit: '{token}',
    }),
    revocationFeedLag: meter.createObservableGauge(metricNames.revocationFeedLag, {
      description: "How far this replica's revocation set is behind the audit log",
      unit: 's',
    }),
  };
  created.revocationFeedLag.addCallback((result) => {
    let worst: number | undefined;
    for (const read of lagSources) {
      const lag = read();
      if (lag !== undefined && Number.isFinite(lag)) worst = Math.max(worst ?? lag, lag);
    }
    if (worst !== undefined) result.observe(worst);
  });
  byProvider.set(provider, created);
  return created;
}

/** Counts one `tools/call` decision. `tool` must be a known tool name (bounded cardinality). */
export function recordDecision(tool: string, decision: 'allow' | 'deny', reason: string): void {
  instruments().decisions.add(1, {
    [attr.mcpToolName]: tool,
    [attr.authzDecision]: decision,
    [attr.authzReason]: reason,
  });
}

/** Records the duration of one `/mcp` request. */
export function recordRequestDuration(seconds: number, method: string, statusCode: number): void {
  instruments().requestDuration.record(seconds, {
    [attr.mcpMethod]: method,
    [attr.httpResponseStatusCode]: statusCode,
  });
}

/** Records one group-commit flush attempt: its duration, its size and whether it committed. */
export function recordAuditCommit(seconds: number, batchSize: number, outcome: 'committed' | 'failed'): void {
  const { auditCommitDuration, auditCommitBatchSize } = instruments();
  auditCommitDuration.record(seconds, { [attr.auditOutcome]: outcome });
  if (outcome === 'committed') auditCommitBatchSize.record(batchSize);
}

/** Counts one issued access token. */
export function recordTokenIssued(issuedVia: string): void {
  instruments().tokensIssued.add(1, { [attr.tokenIssuedVia]: issuedVia });
}

/**
 * Reports a revocation feed's lag (seconds since it last caught up with the log; undefined while
 * unknown) as the `mcp.revocation.feed.lag` gauge, read at each metric collection. With several
 * feeds in one process the worst lag is reported. Returns a function that stops reporting.
 *
 * @example
 * const stop = registerRevocationFeedLag(() => (Date.now() - feed.lastSyncedAt) / 1000);
 * app.addHook('onClose', async () => stop());
 */
export function registerRevocationFeedLag(read: () => number | undefined): () => void {
  const source = () => read();
  lagSources.add(source);
  instruments();
  return () => {
    lagSources.delete(source);
  };
}
