export { instrumentationScope, metricNames, spanNames, telemetryAttributes } from './attributes.js';
export { discardActiveRequestSpans } from './discard-spans.js';
export {
  recordAuditCommit,
  recordDecision,
  recordRequestDuration,
  recordTokenIssued,
  registerRevocationFeedLag,
} from './metrics.js';
export { requestTrace } from './request-trace.js';
export { shutdownTelemetry } from './shutdown-telemetry.js';
export { annotateActiveSpan, inSpan, recordActiveSpanError, recordSpanError, tracer } from './spans.js';
export {
  activeTraceRef,
  bindTraceToLogger,
  hasActiveSpan,
  logTraceFields,
  metaTraceContext,
  traceRefContinuing,
} from './trace-context.js';
// `start-telemetry.ts` (the SDK) is deliberately not re-exported: importing it loads every exporter
// and instrumentation, which only `register.ts` should pay for.
