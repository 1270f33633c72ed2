import {
  type Attributes,
  type Context,
  context,
  type Span,
  type SpanOptions,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { instrumentationScope, telemetryAttributes } from './attributes.js';

/**
 * The tracer of this codebase. A proxy: it finds the SDK's tracer provider once `register.ts` (or a
 * test) has installed one, and is a no-op before that.
 */
export const tracer = trace.getTracer(instrumentationScope);

/**
 * Runs `fn` in a new active span (a child of `parent`, default the active context) and ends it when
 * `fn` settles. A rejection is recorded on the span (status ERROR, `error.type` = the `AppError`
 * code when there is one) and rethrown.
 *
 * @example
 * const receipt = await inSpan(spanNames.auditAppend, { attributes }, () => append(event));
 */
export function inSpan<T>(
  name: string,
  options: SpanOptions,
  fn: (span: Span) => Promise<T>,
  parent: Context = context.active(),
): Promise<T> {
  return tracer.startActiveSpan(name, options, parent, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      recordSpanError(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Marks a span as failed by `error`: exception event, status ERROR, `error.type`. */
export function recordSpanError(span: Span, error: unknown): void {
  const code = (error as { code?: unknown } | null)?.code;
  const type = typeof code === 'string' ? code : error instanceof Error ? error.name : 'Error';
  span.setAttribute(telemetryAttributes.errorType, type);
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : type });
}

/** {@link recordSpanError} on the active span, if any: a failure answered rather than thrown. */
export function recordActiveSpanError(error: unknown): void {
  const span = trace.getActiveSpan();
  if (span) recordSpanError(span, error);
}

/** Sets attributes on the active span, if any (a no-op without the SDK). */
export function annotateActiveSpan(attributes: Attributes): void {
  trace.getActiveSpan()?.setAttributes(attributes);
}
