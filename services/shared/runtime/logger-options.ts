import type { FastifyServerOptions } from 'fastify';
import type { CommonConfig } from '../config/index.js';

/**
 * Structured JSON logs (pino through fastify) for one service role. Authorization headers and
 * cookies are redacted: a log line must never hold a credential.
 */
export function loggerOptions(service: string, config: CommonConfig): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    base: { service, instance: config.instanceId },
    redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-dev-admin-secret"]'],
  };
}
