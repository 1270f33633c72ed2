import type { FastifyReply } from 'fastify';
import { AppError, type ErrorCode } from '../errors/index.js';

/**
 * Answers an authentication failure (RFC 6750 §3): the code's registry status, the
 * `WWW-Authenticate` challenge and the usual error body. Meant for `onRequest` hooks, which return
 * the reply so fastify stops there; answering directly rather than throwing through the error
 * handler keeps a refusal cheap (a flood of them is thousands per second).
 */
export function sendChallenge(
  reply: FastifyReply,
  code: ErrorCode,
  challenge: string,
  detail: string,
): FastifyReply {
  const refusal = new AppError(code, detail);
  return reply.code(refusal.status).header('www-authenticate', challenge).send(refusal.toJSON());
}
