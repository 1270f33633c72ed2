import { trace } from '@opentelemetry/api';
import type { TraceRef } from '../event-store/events.js';
import { randomHex } from './random-id.js';

const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/**
 * The trace and span id an audit event and a log line carry for one request: the active
 * OpenTelemetry span when the SDK is running, else the incoming W3C `traceparent` (continued with a
 * new span id), else a fresh trace, so that events of one request always correlate.
 */
export function requestTrace(traceparent: string | string[] | undefined): TraceRef {
  const active = trace.getActiveSpan()?.spanContext();
  if (active && trace.isSpanContextValid(active)) return { traceId: active.traceId, spanId: active.spanId };
  const header = Array.isArray(traceparent) ? traceparent[0] : traceparent;
  const match = header ? traceparentPattern.exec(header.trim().toLowerCase()) : null;
  const traceId = match?.[1] && !/^0+$/.test(match[1]) ? match[1] : randomHex(16);
  return { traceId, spanId: randomHex(8) };
}
