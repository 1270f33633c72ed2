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

/**
 * The MCP fields of a request's access line (shared/http/access-log.ts): the method as its metric
 * label, and for `tools/call` the tool the caller named (caller input, cut to 128 characters).
 */
export function mcpLogFields(request: FastifyRequest): Record<string, unknown> {
  if (request.routeOptions.method !== 'POST') return {};
  const method = metricMethod(request.body);
  const name = (request.body as { params?: { name?: unknown } } | null | undefined)?.params?.name;
  return {
    method,
    tool: method === 'tools/call' && typeof name === 'string' ? name.slice(0, 128) : undefined,
  };
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
