import type { FastifyInstance } from 'fastify';
import { AppError } from '../../../shared/errors/index.js';
import type { EventAppender } from '../../../shared/event-store/api.js';
import type { PolicyRef, TokenRevoked } from '../../../shared/event-store/events.js';
import type { ApiAuthenticator } from '../api-auth/api-authenticator.js';
import { parseRevocationRequest, type RevocationTarget } from './revocation-request.js';

/** The authorization server's hold on a subject's refresh tokens and sessions (see `revokeSubject`). */
export interface SubjectGrants {
  revokeSubject(subject: string): Promise<{ readonly grants: number; readonly sessions: number }>;
}

export interface RevocationRoutesOptions {
  readonly apiAuth: ApiAuthenticator;
  readonly append: EventAppender['append'];
  readonly instanceId: string;
  readonly policy: PolicyRef;
  readonly grants: SubjectGrants;
  /** Injected clock; the subject cutoff `revokedBefore` is this instant. */
  readonly now?: () => Date;
}

/** `reason` recorded when the caller gives none. */
export const defaultRevocationReason = 'admin_revocation';

export const revocationsPath = '/admin/revocations';

/**
 * `POST /admin/revocations` (bearer token for this service with `tokens:revoke`): revokes one access
 * token by `token_id` (its `jti`), or every token of a `subject` issued at or before now. The
 * `token.revoked` event, with the caller as actor, is committed before the answer; MCP servers
 * enforce it from the log. Revoking a subject also ends its grants and sessions at the
 * authorization server, so none of its refresh tokens can mint a new access token.
 */
export async function revocationRoutes(
  app: FastifyInstance,
  options: RevocationRoutesOptions,
): Promise<void> {
  const now = options.now ?? (() => new Date());

  app.post(revocationsPath, { onRequest: options.apiAuth.requireScope('tokens:revoke') }, async (request) => {
    const caller = request.apiCaller;
    if (caller === undefined) throw new AppError('ERR_INTERNAL', 'revocation route reached without a caller');
    const parsed = parseRevocationRequest(request.body);
    if (!parsed.ok) throw new AppError('ERR_REQUEST_INVALID', parsed.message);
    const { target } = parsed.request;
    const reason = parsed.request.reason ?? defaultRevocationReason;
    const revokedBefore = now().toISOString();
    const event: TokenRevoked = {
      type: 'token.revoked',
      service: 'token-service',
      instanceId: options.instanceId,
      actor: { subject: caller.subject, clientId: caller.clientId, tokenId: caller.tokenId },
      request: { method: `POST ${revocationsPath}` },
      decision: 'deny',
      policy: options.policy,
      scopesRequired: ['tokens:revoke'],
      scopesGranted: [...caller.scopes].sort(),
      trace: caller.trace,
      source: caller.source,
      data: eventData(target, revokedBefore, reason),
    };
    const [receipt] = await options.append(event);
    if (receipt === undefined) throw new AppError('ERR_INTERNAL', 'the event store returned no receipt');
    request.log.info(
      { event: 'token.revoked', eventId: receipt.eventId, traceId: caller.trace.traceId },
      'revocation recorded',
    );
    if (target.kind === 'token') {
      return { event_id: receipt.eventId, revoked: { token_id: target.tokenId }, reason };
    }
    const ended = await options.grants.revokeSubject(target.subject);
    return {
      event_id: receipt.eventId,
      revoked: {
        subject: target.subject,
        revoked_before: revokedBefore,
        grants_revoked: ended.grants,
        sessions_ended: ended.sessions,
      },
      reason,
    };
  });
}

function eventData(target: RevocationTarget, revokedBefore: string, reason: string): TokenRevoked['data'] {
  return target.kind === 'token'
    ? { revokedTokenId: target.tokenId, reason }
    : { revokedSubject: target.subject, revokedBefore, reason };
}
