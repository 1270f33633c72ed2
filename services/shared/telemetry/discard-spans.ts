import { type Context, trace } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** The spans of one request in this process: those under one local root span. */
interface RequestSpans {
  readonly rootSpanId: string;
  discarded: boolean;
  rootEnded: boolean;
  /** Spans that ended before the root: held, so that a discard still reaches them. */
  held: ReadableSpan[];
}

const processors = new Set<DiscardingSpanProcessor>();

/** Spans held for one request at most; beyond, they are exported (and escape a later discard). */
const maxHeldPerRequest = 512;

/**
 * Wraps the SDK's export processor so that the spans of a request can be dropped before export, all
 * of them, once something inside it calls {@link discardActiveRequestSpans}. The request is the local
 * root span (no parent, or a remote one: the caller's `traceparent`) and everything started under it
 * in this process; the other requests of the same trace id (a caller may send one `traceparent` many
 * times) are not touched. Spans that end before their request's root are held until it ends (or a
 * flush), so a discard decided late in a request (after a query's span ended, say) drops them too.
 *
 * Why: a refusal folded under an unauthenticated flood leaves no audit event and no info log line of
 * its own (`RefusalRecorder`); without this it would still cost each sampled request its exported
 * spans, thousands a second, and a caller's `traceparent` with the sampled flag decides whether it is
 * sampled.
 */
export class DiscardingSpanProcessor implements SpanProcessor {
  readonly #inner: SpanProcessor;
  readonly #maxLiveSpans: number;
  /** Every live span by span id, to the request it belongs to. */
  readonly #requestOf = new Map<string, RequestSpans>();

  /**
   * @param maxLiveSpans spans tracked at once; beyond it (spans that never end: a leak elsewhere) new
   *   ones are not tracked, so they are exported whatever happens to their request.
   */
  constructor(inner: SpanProcessor, options: { maxLiveSpans?: number } = {}) {
    this.#inner = inner;
    this.#maxLiveSpans = options.maxLiveSpans ?? 100_000;
    processors.add(this);
  }

  onStart(span: Span, parentContext: Context): void {
    if (this.#requestOf.size < this.#maxLiveSpans) {
      const parent = span.parentSpanContext;
      const { spanId } = span.spanContext();
      const request = (parent && !parent.isRemote && this.#requestOf.get(parent.spanId)) || {
        rootSpanId: spanId,
        discarded: false,
        rootEnded: false,
        held: [],
      };
      this.#requestOf.set(spanId, request);
    }
    this.#inner.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    const spanId = span.spanContext().spanId;
    const request = this.#requestOf.get(spanId);
    if (!request) {
      this.#inner.onEnd(span);
      return;
    }
    this.#requestOf.delete(spanId);
    if (request.discarded) return;
    if (spanId === request.rootSpanId) {
      request.rootEnded = true;
      this.#release(request);
      this.#inner.onEnd(span);
    } else if (request.rootEnded) {
      this.#inner.onEnd(span);
    } else {
      request.held.push(span);
      // A root that never ends (a leak elsewhere) must not hold spans without bound.
      if (request.held.length >= maxHeldPerRequest) this.#release(request);
    }
  }

  /** Drops the held, live and future spans of the request `spanId` belongs to. False when it is not live. */
  discard(spanId: string): boolean {
    const request = this.#requestOf.get(spanId);
    if (!request) return false;
    request.discarded = true;
    request.held = [];
    return true;
  }

  /** Spans currently tracked (tests). */
  get liveSpans(): number {
    return this.#requestOf.size;
  }

  forceFlush(): Promise<void> {
    this.#releaseAll();
    return this.#inner.forceFlush();
  }

  shutdown(): Promise<void> {
    processors.delete(this);
    this.#releaseAll();
    this.#requestOf.clear();
    return this.#inner.shutdown();
  }

  #release(request: RequestSpans): void {
    const held = request.held;
    request.held = [];
    for (const span of held) this.#inner.onEnd(span);
  }

  /** Exports what requests still in flight hold (a flush or shutdown must not lose it). */
  #releaseAll(): void {
    for (const request of new Set(this.#requestOf.values())) if (!request.discarded) this.#release(request);
  }
}

/**
 * Drops every span of the current request (see {@link DiscardingSpanProcessor}), those that already
 * ended included, as long as the request's root span has not. Does nothing when no span is recording
 * (tracing off, or the request not sampled).
 */
export function discardActiveRequestSpans(): void {
  if (processors.size === 0) return;
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return;
  const { spanId } = span.spanContext();
  for (const processor of processors) processor.discard(spanId);
}
