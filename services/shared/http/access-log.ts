import { type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify';

/**
 * For `Fastify({ logController })`: turns off fastify's own pair of lines per request (`incoming
 * request` with the raw URL, `request completed`), which {@link installAccessLog} replaces. Errors
 * are still logged, by `installErrorHandler`.
 */
export function quietRequestLogging(): LogController {
  return new LogController({ disableRequestLogging: true });
}

/** Options of {@link installAccessLog}. */
export interface AccessLogOptions {
  /** Fields a service adds to its lines (the MCP server: MCP method and tool). */
  readonly fields?: (request: FastifyRequest) => Record<string, unknown>;
  /**
   * Requests whose line is debug, not info. Default: a 401, whose refusal is logged (and folded
   * under a flood) where it is made, by `RefusalRecorder`.
   */
  readonly quiet?: (request: FastifyRequest, reply: FastifyReply) => boolean;
}

const probeRoutes = new Set(['/health', '/ready']);

/**
 * One `request completed` line per request, once the response is sent: HTTP method, the route's
 * pattern (never the raw URL, whose query string may hold an authorization code or a token), status
 * and duration. Quiet requests (see {@link AccessLogOptions.quiet}) are written at debug, so a flood
 * of bad credentials writes no line per request; probes are not logged. One line instead of
 * fastify's two, which at thousands of calls a second cost the MCP server tens of µs per call.
 */
export function installAccessLog(app: FastifyInstance, options: AccessLogOptions = {}): void {
  const quiet = options.quiet ?? ((_request, reply) => reply.statusCode === 401);
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url;
    if (route !== undefined && probeRoutes.has(route)) return;
    const fields = {
      event: 'http.request',
      httpMethod: request.method,
      route: route ?? '(no route)',
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 1e3) / 1e3,
      ...options.fields?.(request),
    };
    if (quiet(request, reply)) request.log.debug(fields, 'request completed');
    else request.log.info(fields, 'request completed');
  });
}
