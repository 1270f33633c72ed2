export { installAccessLog, quietRequestLogging } from './access-log.js';
export { bearerChallenge } from './bearer-challenge.js';
export { installErrorHandler } from './error-handler.js';
export { escapeHtml } from './escape-html.js';
export {
  FixedWindowLimiter,
  type FixedWindowLimiterOptions,
  type LimitDecision,
} from './fixed-window-limiter.js';
export { healthRoute, type ReadinessChecks } from './health-route.js';
export {
  type AuthRejection,
  type FoldedRefusals,
  type LoginFailure,
  type Refusal,
  RefusalRecorder,
  type RefusalRecorderOptions,
} from './refusal-recorder.js';
export { sendChallenge } from './send-challenge.js';
