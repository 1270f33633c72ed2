export { ChallengeError } from './challenge-error.js';
export { installErrorHandler } from './error-handler.js';
export { healthRoute, type ReadinessChecks } from './health-route.js';
