import { context, SpanKind, trace } from '@opentelemetry/api';
import type { FastifyRequest } from 'fastify';
import {
  telemetryAttributes as attr,
  inSpan,
  metaTraceContext,
  spanNames,
  traceRefContinuing,
} from '../../../shared/telemetry/index.js';
import { type InspectResult, inspectMessages } from './inspect-messages.js';
import type { CallerContext } from './request-context.js';

/**
 * Runs a request's decisions and tool calls in an `mcp.request` span. Its parent is the HTTP
 * request's span, which continues an incoming `traceparent` header; without that header, a W3C
 * trace context in the first message's `params._meta` is continued instead (the HTTP span is then
 * linked), and the caller's trace reference follows it, so the audit events carry that trace id.
 */
export function inMcpRequestSpan<T>(
  request: FastifyRequest,
  run: (caller: CallerContext, inspected: InspectResult) => Promise<T>,
): Promise<T> {
  const inspected = inspectMessages(request.body);
  const methods = inspected.ok ? inspected.messages.map((message) => message.method ?? '') : [];
  const remote =
    request.headers.traceparent === undefined ? metaTraceContext(metaOf(request.body)) : undefined;
  const caller = request.caller!;
  const continued = remote ? { ...caller, trace: traceRefContinuing(remote) ?? caller.trace } : caller;
  const httpSpan = trace.getSpanContext(context.active());
  return inSpan(
    spanNames.mcpRequest,
    {
      kind: remote ? SpanKind.SERVER : SpanKind.INTERNAL,
      attributes: {
        [attr.mcpMethod]: methods.join(',').slice(0, 200),
        [attr.enduserId]: caller.actor.subject ?? '',
        [attr.oauthClientId]: caller.actor.clientId ?? '',
        [attr.authzPolicyVersion]: caller.policy.version,
        ...(remote ? { [attr.mcpTraceContinuedFrom]: 'meta' } : {}),
      },
      links: remote && httpSpan && trace.isSpanContextValid(httpSpan) ? [{ context: httpSpan }] : [],
    },
    () => run(continued, inspected),
    remote ?? context.active(),
  );
}

/** `params._meta` of the first message that has one (MCP carries trace context there). */
function metaOf(body: unknown): unknown {
  for (const message of Array.isArray(body) ? body : [body]) {
    const meta = (message as { params?: { _meta?: unknown } } | null | undefined)?.params?._meta;
    if (meta !== undefined) return meta;
  }
  return undefined;
}
