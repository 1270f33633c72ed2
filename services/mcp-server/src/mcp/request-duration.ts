import type { FastifyReply, FastifyRequest } from 'fastify';
import { recordRequestDuration } from '../../../shared/telemetry/index.js';

/** Records `mcp.server.request.duration` when the response has been sent, whatever the outcome. */
export function measureDuration(request: FastifyRequest, reply: FastifyReply): void {
  const started = performance.now();
  reply.raw.once('finish', () => {
    recordRequestDuration(
      (performance.now() - started) / 1000,
      metricMethod(request.body),
      reply.raw.statusCode,
    );
  });
}

const knownMethods = new Set([
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/read',
  'prompts/list',
  'prompts/get',
  'notifications/initialized',
  'notifications/cancelled',
]);

/** The first message's method for a metric label; anything else folds into `other` (caller input). */
function metricMethod(body: unknown): string {
  const first = Array.isArray(body) ? body[0] : body;
  const method = (first as { method?: unknown } | null | undefined)?.method;
  if (method === undefined) return 'unknown';
  return typeof method === 'string' && knownMethods.has(method) ? method : 'other';
}
