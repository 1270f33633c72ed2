export { activatePolicy } from './activate-policy.js';
export { loggerOptions } from './logger-options.js';
export { type AuditStore, openAuditStore } from './open-audit-store.js';
export { runUntilSignal } from './run-until-signal.js';
export type { RunningService, StartOptions } from './running-service.js';
