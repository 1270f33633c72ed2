import type { FastifyInstance } from 'fastify';
import { AppError } from '../../../shared/errors/index.js';
import type { EventAppender } from '../../../shared/event-store/api.js';
import type { PolicyRef, TokenRevoked } from '../../../shared/event-store/events.js';
import type { ApiAuthenticator } from '../api-auth/api-authenticator.js';
import { parseRevocationRequest, type RevocationTarget } from './revocation-request.js';

/** The authorization server's hold on a subject's refresh tokens and sessions (see `revokeSubject`). */
export interface SubjectGrants {
  revokeSubject(subject: string): Promise<{
    readonly grants: number;
    readonly sessions: number;
    /** After the subject's event is committed: the ended grants' token families need no revoking. */
    forgetFamilies(): Promise<void>;
  }>;
}

export interface RevocationRoutesOptions {
  readonly apiAuth: ApiAuthenticator;
  readonly append: EventAppender['append'];
  readonly instanceId: string;
  readonly policy: PolicyRef;
  readonly grants: SubjectGrants;
  /** Injected clock; a subject cut-off `revokedBefore` is this instant (after the grants end) plus a second. */
  readonly now?: () => Date;
}

/** `reason` recorded when the caller gives none. */
export const defaultRevocationReason = 'admin_revocation';

export const revocationsPath = '/admin/revocations';

/**
 * How far past the moment a subject is revoked its cut-off lies: a token minted by a refresh that
 * passed its grant check before the grants were deleted is issued a moment later, and must be
 * covered too. A new sign-in takes longer than this.
 */
const inFlightIssuanceMarginMs = 1_000;

/**
 * `POST /admin/revocations` (bearer token for this service with `tokens:revoke`): revokes one access
 * token by `token_id` (its `jti`), or every token of a `subject` issued up to now (and a second
 * more, for issuances in flight). The `token.revoked` event, with the caller as actor, is committed
 * before the answer; MCP servers enforce it from the log. Revoking a subject first ends its grants
 * and sessions at the authorization server, so none of its refresh tokens can mint a new access
 * token.
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
    // A subject's grants and sessions end first, so that nothing can mint it a token once the cut-off
    // is set; the cut-off then covers, with a margin, a refresh that was already past its grant check.
    // Should this fail, nothing is recorded and nothing half-done can issue tokens: the caller retries.
    const ended = target.kind === 'subject' ? await options.grants.revokeSubject(target.subject) : undefined;
    const revokedBefore = new Date(now().getTime() + (ended ? inFlightIssuanceMarginMs : 0)).toISOString();
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
    if (ended) await ended.forgetFamilies();
    request.log.info(
      { event: 'token.revoked', eventId: receipt.eventId, traceId: caller.trace.traceId },
      'revocation recorded',
    );
    if (target.kind === 'token') {
      return { event_id: receipt.eventId, revoked: { token_id: target.tokenId }, reason };
    }
    return {
      event_id: receipt.eventId,
      revoked: {
        subject: target.subject,
        revoked_before: revokedBefore,
        grants_revoked: ended?.grants ?? 0,
        sessions_ended: ended?.sessions ?? 0,
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
