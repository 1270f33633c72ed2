import { context, type Span, type SpanContext, TraceFlags, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { DiscardingSpanProcessor } from './discard-spans.js';

let exporter: InMemorySpanExporter;
let processor: DiscardingSpanProcessor;

function tracerWith(options: { maxLiveSpans?: number } = {}) {
  exporter = new InMemorySpanExporter();
  processor = new DiscardingSpanProcessor(new SimpleSpanProcessor(exporter), options);
  return new BasicTracerProvider({ spanProcessors: [processor] }).getTracer('test');
}

afterEach(async () => {
  await processor.shutdown();
});

const callerContext = (spanContext: SpanContext) => trace.setSpanContext(context.active(), spanContext);
const childOf = (span: Span) => trace.setSpan(context.active(), span);
const exportedNames = () => exporter.getFinishedSpans().map((span) => span.name);

describe('DiscardingSpanProcessor', () => {
  it('drops every span of a discarded request, those ending after its root included, and nothing else', () => {
    const tracer = tracerWith();
    // Two requests of one trace id: a caller may send the same traceparent twice at once.
    const caller: SpanContext = {
      traceId: 'a'.repeat(32),
      spanId: 'b'.repeat(16),
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    };
    const refusedRoot = tracer.startSpan('refused', {}, callerContext(caller));
    const refusedRequest = tracer.startSpan('refused.request', {}, childOf(refusedRoot));
    const refusedVerify = tracer.startSpan('refused.verify', {}, childOf(refusedRequest));
    const keptRoot = tracer.startSpan('kept', {}, callerContext(caller));
    const keptChild = tracer.startSpan('kept.child', {}, childOf(keptRoot));
    expect(refusedVerify.spanContext().traceId).toBe(keptChild.spanContext().traceId);

    expect(processor.discard(refusedVerify.spanContext().spanId)).toBe(true);
    refusedVerify.end();
    refusedRoot.end();
    // A span of the request that ends after its root is dropped too.
    refusedRequest.end();
    keptChild.end();
    keptRoot.end();

    expect(exportedNames()).toEqual(['kept.child', 'kept']);
    expect(processor.liveSpans).toBe(0);
  });

  it('drops what ended before the discard too, and exports late spans of a request kept', () => {
    const tracer = tracerWith();
    const root = tracer.startSpan('root');
    const early = tracer.startSpan('early', {}, childOf(root));
    early.end();
    // Ended: not live any more, but held until the root ends.
    expect(processor.discard(early.spanContext().spanId)).toBe(false);
    const late = tracer.startSpan('late', {}, childOf(root));
    expect(processor.discard(late.spanContext().spanId)).toBe(true);
    late.end();
    root.end();
    expect(exportedNames()).toEqual([]);

    const kept = tracer.startSpan('kept');
    const query = tracer.startSpan('query', {}, childOf(kept));
    const lingering = tracer.startSpan('lingering', {}, childOf(kept));
    query.end();
    expect(exportedNames()).toEqual([]);
    kept.end();
    lingering.end();
    expect(exportedNames()).toEqual(['query', 'kept', 'lingering']);
  });

  it('exports the spans of a request whose root never ends once it holds too many', () => {
    const tracer = tracerWith();
    const root = tracer.startSpan('never ends');
    for (let i = 0; i < 511; i++) tracer.startSpan(`child ${i}`, {}, childOf(root)).end();
    expect(exportedNames()).toHaveLength(0);
    tracer.startSpan('child 511', {}, childOf(root)).end();
    expect(exportedNames()).toHaveLength(512);
  });

  it('exports what requests in flight hold when flushed', async () => {
    const tracer = tracerWith();
    const root = tracer.startSpan('in flight');
    tracer.startSpan('done', {}, childOf(root)).end();
    await processor.forceFlush();
    expect(exportedNames()).toEqual(['done']);
  });

  it('keeps exporting untracked spans once maxLiveSpans are live, and frees what ended', () => {
    const tracer = tracerWith({ maxLiveSpans: 2 });
    const spans = [tracer.startSpan('one'), tracer.startSpan('two'), tracer.startSpan('three')];
    expect(processor.liveSpans).toBe(2);
    // The third is not tracked: it cannot be discarded, and it is exported.
    expect(processor.discard(spans[2]!.spanContext().spanId)).toBe(false);
    processor.discard(spans[0]!.spanContext().spanId);
    for (const span of spans) span.end();
    expect(exportedNames()).toEqual(['two', 'three']);
    expect(processor.liveSpans).toBe(0);
  });
});
