import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors/index.js';

/**
 * Answers every error with its registry code and status (authentication refusals are answered by
 * their hooks, see `sendChallenge`). Bodies of 5xx answers never carry internals (they are logged instead).
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler(async (error, request, reply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) request.log.error({ err: error, code: appError.code }, appError.message);
    else request.log.info({ code: appError.code }, appError.message);
    return reply.code(appError.status).send(appError.toJSON());
  });
}

function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const code = (error as { code?: string }).code;
  const status = (error as { statusCode?: number }).statusCode;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new AppError('ERR_REQUEST_TOO_LARGE');
  if (status !== undefined && status >= 400 && status < 500) {
    return new AppError('ERR_REQUEST_INVALID', (error as Error).message);
  }
  return new AppError('ERR_INTERNAL', undefined, { cause: error });
}
