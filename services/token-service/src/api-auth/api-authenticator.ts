import type { FastifyReply, FastifyRequest } from 'fastify';
import { extractBearerToken, type Scope, type VerifyResult } from '../../../shared/auth/index.js';
import { AppError, type ErrorCode } from '../../../shared/errors/index.js';
import type { PolicyRef, SourceRef, TraceRef } from '../../../shared/event-store/events.js';
import { bearerChallenge, type RefusalRecorder, sendChallenge } from '../../../shared/http/index.js';
import { requestTrace } from '../../../shared/telemetry/index.js';

/** Who called a token-service API, once their token has been verified. */
export interface ApiCaller {
  readonly subject: string;
  readonly clientId: string | undefined;
  readonly tokenId: string;
  readonly scopes: ReadonlySet<string>;
  readonly trace: TraceRef;
  readonly source: SourceRef;
}

declare module 'fastify' {
  interface FastifyRequest {
    apiCaller?: ApiCaller;
  }
}

export interface ApiAuthenticatorOptions {
  /** Verifies tokens whose audience is this token service (never the MCP server's: no passthrough). */
  readonly verify: (token: string) => Promise<VerifyResult>;
  /** True when the token is revoked (`token.revoked`: by id, or its subject before a cut-off). */
  readonly isRevoked: (claims: { jti: string; sub: string; iat?: number | undefined }) => boolean;
  /** False when revocations may be missing (stale feed): every request is then refused (fail closed). */
  readonly revocationsFresh: () => boolean;
  readonly rejections: RefusalRecorder;
  readonly policy: PolicyRef;
  readonly instanceId: string;
  /** Metadata URL for challenges (RFC 9728 style), naming where to get a token for this API. */
  readonly resourceMetadataUrl: string;
}

/**
 * Bearer authentication for the token service's own APIs (audit queries, revocations): returns a
 * fastify `onRequest` hook that admits a request only with a valid token for this service that
 * grants `scope`. Every refusal is recorded as `auth.rejected` before the 401/403 goes out.
 */
export class ApiAuthenticator {
  readonly #options: ApiAuthenticatorOptions;

  constructor(options: ApiAuthenticatorOptions) {
    this.#options = options;
  }

  /** The hook resolves with `reply` when it answered a refusal (fastify stops there). */
  requireScope(
    scope: Scope,
  ): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
    return async (request, reply) => {
      const trace = requestTrace(request.headers.traceparent);
      const source: SourceRef = { address: request.ip, userAgent: request.headers['user-agent'] };
      const extracted = extractBearerToken({
        authorization: request.headers.authorization,
        url: request.url,
      });
      if (!extracted.ok)
        return this.#reject(request, reply, 401, extracted.code, extracted.message, trace, source, scope);
      const verified = await this.#options.verify(extracted.token);
      if (!verified.ok)
        return this.#reject(request, reply, 401, verified.code, verified.message, trace, source, scope);
      const { claims } = verified;
      if (!this.#options.revocationsFresh()) {
        request.log.warn(
          { event: 'revocation.feed.stale' },
          'refusing API request: revocation feed is stale',
        );
        throw new AppError('ERR_REVOCATION_FEED_STALE');
      }
      if (this.#options.isRevoked(claims)) {
        return this.#reject(request, reply, 401, 'ERR_TOKEN_REVOKED', 'token revoked', trace, source, scope, {
          subject: claims.sub,
          tokenId: claims.jti,
          clientId: claims.client_id,
        });
      }
      if (!verified.scopes.has(scope)) {
        return this.#reject(
          request,
          reply,
          403,
          'ERR_SCOPE_INSUFFICIENT',
          `this API requires scope ${scope}`,
          trace,
          source,
          scope,
          {
            subject: claims.sub,
            tokenId: claims.jti,
            clientId: claims.client_id,
          },
        );
      }
      request.apiCaller = {
        subject: claims.sub,
        clientId: claims.client_id,
        tokenId: claims.jti,
        scopes: verified.scopes,
        trace,
        source,
      };
    };
  }

  async #reject(
    request: FastifyRequest,
    reply: FastifyReply,
    status: 401 | 403,
    code: ErrorCode,
    message: string,
    trace: TraceRef,
    source: SourceRef,
    scope: Scope,
    actor: { subject?: string; tokenId?: string; clientId?: string | undefined } = {},
  ): Promise<FastifyReply> {
    const pending = this.#options.rejections.record({
      type: 'auth.rejected',
      service: 'token-service',
      instanceId: this.#options.instanceId,
      actor,
      request: { method: `${request.method} ${request.url.split('?')[0]}` },
      decision: 'deny',
      reasonCode: code,
      policy: this.#options.policy,
      scopesRequired: [scope],
      trace,
      source,
      data: { detail: message },
    });
    // As the MCP server does: folded rejections are summed in the window's summary line (onFolded).
    const line = { event: 'auth.rejected', reason: code, traceId: trace.traceId };
    if (pending) request.log.info(line, 'API request rejected');
    else request.log.debug(line, 'API request rejected (folded)');
    if (pending) await pending;
    const challenge = bearerChallenge({
      resourceMetadataUrl: this.#options.resourceMetadataUrl,
      ...(status === 403
        ? { error: 'insufficient_scope' as const, description: message, scope: [scope] }
        : code === 'ERR_TOKEN_MISSING'
          ? {}
          : { error: 'invalid_token' as const, description: message }),
    });
    return sendChallenge(reply, code, challenge, message);
  }
}
