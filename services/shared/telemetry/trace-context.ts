import { type Context, context, ROOT_CONTEXT, type TextMapGetter, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { TraceRef } from '../event-store/events.js';
import { randomHex } from './random-id.js';

const w3c = new W3CTraceContextPropagator();

const recordGetter: TextMapGetter<Readonly<Record<string, unknown>>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    return typeof value === 'string' ? value : undefined;
  },
};

/**
 * The remote parent carried in an MCP request's `params._meta` (`traceparent`, `tracestate`), as a
 * context to start spans in; undefined when `_meta` holds no valid W3C trace context. Extracted with
 * the W3C propagator itself rather than the global one, so it also works while the SDK is off.
 *
 * @example
 * const parent = metaTraceContext(body.params?._meta) ?? context.active();
 */
export function metaTraceContext(meta: unknown): Context | undefined {
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return undefined;
  const extracted = w3c.extract(ROOT_CONTEXT, meta as Record<string, unknown>, recordGetter);
  const remote = trace.getSpanContext(extracted);
  return remote && trace.isSpanContextValid(remote) ? extracted : undefined;
}

/**
 * The trace and span id of the active span, or `fallback` when there is none (SDK off). Audit events
 * take their ids from here when they are built, so an event's trace id is its span's trace id.
 */
export function activeTraceRef<T extends TraceRef | undefined>(fallback: T): TraceRef | T {
  const active = trace.getActiveSpan()?.spanContext();
  if (active && trace.isSpanContextValid(active)) return { traceId: active.traceId, spanId: active.spanId };
  return fallback;
}

/**
 * A trace reference that continues the span context of `parent` (new span id), for use while the SDK
 * is off; undefined when `parent` carries no valid span context.
 */
export function traceRefContinuing(parent: Context): TraceRef | undefined {
  const remote = trace.getSpanContext(parent);
  if (!remote || !trace.isSpanContextValid(remote)) return undefined;
  return { traceId: remote.traceId, spanId: randomHex(8) };
}

const boundTrace = Symbol('mcp-authz.boundTrace');

/**
 * Gives the log lines of one request the trace and span id of `ref` while no span is active (the
 * SDK off): `logTraceFields` reads them from the request's own logger (fastify makes one per
 * request). A property rather than `logger.child(...)`: a child costs more than the rest of a
 * refusal, and a flood of refusals is thousands per second.
 */
export function bindTraceToLogger(logger: object, ref: TraceRef): void {
  (logger as { [boundTrace]?: TraceRef })[boundTrace] = ref;
}

/**
 * `trace_id` and `span_id` for a log line (the pino mixin, called with the logger writing it): the
 * active span's, else the ones bound to that logger by {@link bindTraceToLogger}, else none.
 */
export function logTraceFields(
  _mergeObject?: object,
  _level?: number,
  logger?: object,
): { trace_id?: string; span_id?: string } {
  const active = trace.getSpan(context.active())?.spanContext();
  if (active && trace.isSpanContextValid(active)) return { trace_id: active.traceId, span_id: active.spanId };
  const bound = (logger as { [boundTrace]?: TraceRef } | undefined)?.[boundTrace];
  return bound ? { trace_id: bound.traceId, span_id: bound.spanId } : {};
}

/** True while a span with a valid context is active (the SDK is on and a request is traced). */
export function hasActiveSpan(): boolean {
  const active = trace.getActiveSpan()?.spanContext();
  return active !== undefined && trace.isSpanContextValid(active);
}
