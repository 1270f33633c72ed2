export { installAccessLog, quietRequestLogging } from './access-log.js';
export {
  type AuthRejection,
  AuthRejectionRecorder,
  type AuthRejectionRecorderOptions,
  type FoldedRejections,
} from './auth-rejection-recorder.js';
export { bearerChallenge } from './bearer-challenge.js';
export { installErrorHandler } from './error-handler.js';
export { escapeHtml } from './escape-html.js';
export { healthRoute, type ReadinessChecks } from './health-route.js';
export { sendChallenge } from './send-challenge.js';
