import type { FastifyRequest } from 'fastify';
import { AppError } from '../../../shared/errors/index.js';

/**
 * DNS rebinding protection (MCP transports, "Security Warning"): the Host header must name this
 * server, and a browser's Origin, when present, must be one we allow. Returns the refusal or undefined.
 */
export function checkHostAndOrigin(
  request: FastifyRequest,
  allowedHosts: ReadonlySet<string>,
  allowedOrigins: ReadonlySet<string>,
): AppError | undefined {
  const host = request.headers.host?.toLowerCase();
  if (!host || !allowedHosts.has(host))
    return new AppError('ERR_HOST_NOT_ALLOWED', `Host ${JSON.stringify(host ?? '')}`);
  const origin = request.headers.origin;
  if (origin !== undefined && !allowedOrigins.has(origin.toLowerCase())) {
    return new AppError('ERR_ORIGIN_NOT_ALLOWED', `Origin ${JSON.stringify(origin)}`);
  }
  return undefined;
}
