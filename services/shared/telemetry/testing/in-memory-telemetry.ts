import { type DataPoint, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { DiscardingSpanProcessor } from '../discard-spans.js';
import { fastifyInstrumentation } from '../start-telemetry.js';

/** Collects on demand only: tests read metrics with {@link InMemoryTelemetry.metricPoints}. */
class OnDemandMetricReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** The SDK of one test file, exporting into memory. */
export interface InMemoryTelemetry {
  readonly exporter: InMemorySpanExporter;
  /** Finished spans of one trace. */
  spansOf(traceId: string): ReadableSpan[];
  /**
   * The spans of a trace once its request span has ended: the response can reach the caller a tick
   * before fastify's `onResponse` ends the span, so reading at once would race.
   */
  settledSpansOf(traceId: string): Promise<ReadableSpan[]>;
  /** Current data points of one metric (cumulative), with their attributes. */
  metricPoints(name: string): Promise<DataPoint<unknown>[]>;
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry SDK in the test process the way `register.ts` does in a server (context
 * manager, W3C propagation, the `@fastify/otel` plugin on every fastify instance, the span filter of
 * discard-spans.ts), but exporting spans
 * to memory, synchronously, and metrics to a reader the test collects. No environment is read for
 * exporters. Start it before building the app under test.
 */
export function startInMemoryTelemetry(): InMemoryTelemetry {
  const exporter = new InMemorySpanExporter();
  const reader = new OnDemandMetricReader();
  const sdk = new NodeSDK({
    autoDetectResources: false,
    // Behind the filter start-telemetry.ts puts in front of every exporter.
    spanProcessors: [new DiscardingSpanProcessor(new SimpleSpanProcessor(exporter))],
    metricReaders: [reader],
    logRecordProcessors: [],
    instrumentations: [fastifyInstrumentation()],
  });
  sdk.start();
  return {
    exporter,
    spansOf: (traceId) =>
      exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId),
    async settledSpansOf(traceId) {
      const deadline = Date.now() + 5000;
      for (;;) {
        const spans = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
        if (spans.some((span) => span.name === 'request') || Date.now() > deadline) return spans;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    async metricPoints(name) {
      const { resourceMetrics } = await reader.collect();
      return pointsOf(resourceMetrics, name);
    },
    shutdown: () => sdk.shutdown(),
  };
}

function pointsOf(resourceMetrics: ResourceMetrics, name: string): DataPoint<unknown>[] {
  return resourceMetrics.scopeMetrics.flatMap((scope) =>
    scope.metrics
      .filter((metric) => metric.descriptor.name === name)
      .flatMap((metric) => metric.dataPoints as DataPoint<unknown>[]),
  );
}
