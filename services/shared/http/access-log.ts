import { type FastifyInstance, LogController } from 'fastify';

/**
 * For `Fastify({ logController })`: turns off fastify's own pair of lines per request (`incoming
 * request` with the raw URL, `request completed`), which {@link installAccessLog} replaces. Errors
 * are still logged, by `installErrorHandler`.
 */
export function quietRequestLogging(): LogController {
  return new LogController({ disableRequestLogging: true });
}

/**
 * One `request completed` line per request, once the response is sent: HTTP method, the route's
 * pattern (never the raw URL, whose query string may hold an authorization code or a token), status
 * and duration. A 401 is debug: its refusal is logged, and folded under a flood, where it is made
 * (`AuthRejectionRecorder`), so a flood of bad credentials writes no line per request. Probes are
 * not logged.
 */
export function installAccessLog(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url;
    if (route === '/health' || route === '/ready') return;
    const fields = {
      event: 'http.request',
      httpMethod: request.method,
      route: route ?? '(no route)',
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 1e3) / 1e3,
    };
    if (reply.statusCode === 401) request.log.debug(fields, 'request completed');
    else request.log.info(fields, 'request completed');
  });
}
