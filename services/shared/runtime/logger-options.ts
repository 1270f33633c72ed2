import type { FastifyServerOptions } from 'fastify';
import type { CommonConfig } from '../config/index.js';
import { logTraceFields } from '../telemetry/index.js';

/**
 * Structured JSON logs (pino through fastify) for one service role. Authorization headers and
 * cookies are redacted: a log line must never hold a credential. Each line logged inside a traced
 * request carries the active span's `trace_id` and `span_id` (the same ids as its audit events).
 */
export function loggerOptions(service: string, config: CommonConfig): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    base: { service, instance: config.instanceId },
    mixin: logTraceFields,
    redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-dev-admin-secret"]'],
  };
}
