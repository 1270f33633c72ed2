import type { FastifyReply, FastifyRequest } from 'fastify';
import { extractBearerToken, type VerifyResult } from '../../../shared/auth/index.js';
import { AppError, type ErrorCode } from '../../../shared/errors/index.js';
import type { PolicyRef, SourceRef, TraceRef } from '../../../shared/event-store/events.js';
import type { RefusalRecorder } from '../../../shared/http/index.js';
import { bearerChallenge, sendChallenge } from '../../../shared/http/index.js';
import {
  annotateActiveSpan,
  telemetryAttributes as attr,
  bindTraceToLogger,
  hasActiveSpan,
  inSpan,
  recordActiveSpanError,
  requestTrace,
  spanNames,
} from '../../../shared/telemetry/index.js';

export interface AuthenticatorOptions {
  readonly verify: (token: string) => Promise<VerifyResult>;
  /** Revocation check (token id, subject, issued-at); returns a reason code when refused. */
  readonly checkRevoked?: (claims: {
    jti: string;
    sub: string;
    iat?: number | undefined;
  }) => ErrorCode | undefined;
  /** False when revocations may be missing (stale feed): every request is then refused (fail closed). */
  readonly revocationsFresh?: () => boolean;
  readonly policy: () => PolicyRef;
  readonly rejections: RefusalRecorder;
  readonly resourceMetadataUrl: string;
  readonly instanceId: string;
}

/**
 * Turns the bearer token of a request into a caller context, or records `auth.rejected` and answers
 * the 401 challenge itself. Runs in `onRequest`, before the body is read, and sends a refusal
 * directly rather than through the error handler, so unauthenticated traffic costs little.
 */
export class Authenticator {
  readonly #options: AuthenticatorOptions;

  constructor(options: AuthenticatorOptions) {
    this.#options = options;
  }

  /**
   * Resolves with `reply` when the request was refused (the 401 is sent: return it from the hook so
   * fastify stops there), with undefined when `request.caller` is set.
   */
  authenticate(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    return inSpan(spanNames.verifyToken, {}, () => this.#authenticate(request, reply));
  }

  async #authenticate(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const trace = requestTrace(request.headers.traceparent);
    const source: SourceRef = { address: request.ip, userAgent: request.headers['user-agent'] };
    // Traced requests get trace_id/span_id from the active span; untraced ones from this binding.
    if (!hasActiveSpan()) bindTraceToLogger(request.log, trace);
    const extracted = extractBearerToken({ authorization: request.headers.authorization, url: request.url });
    if (!extracted.ok) return this.#reject(request, reply, extracted.code, extracted.message, trace, source);
    const verified = await this.#options.verify(extracted.token);
    if (!verified.ok) return this.#reject(request, reply, verified.code, verified.message, trace, source);
    const { claims } = verified;
    if (this.#options.revocationsFresh && !this.#options.revocationsFresh()) {
      request.log.warn({ event: 'revocation.feed.stale' }, 'refusing request: revocation feed is stale');
      throw new AppError('ERR_REVOCATION_FEED_STALE');
    }
    const revoked = this.#options.checkRevoked?.(claims);
    if (revoked) return this.#reject(request, reply, revoked, 'token revoked', trace, source, claims);
    annotateActiveSpan({
      [attr.authResult]: 'ok',
      [attr.enduserId]: claims.sub,
      [attr.oauthClientId]: claims.client_id ?? '',
      [attr.authTokenId]: claims.jti,
    });
    request.caller = {
      actor: { subject: claims.sub, clientId: claims.client_id, tokenId: claims.jti },
      scopes: verified.scopes,
      trace,
      source,
      policy: this.#options.policy(),
    };
  }

  async #reject(
    request: FastifyRequest,
    reply: FastifyReply,
    code: ErrorCode,
    message: string,
    trace: TraceRef,
    source: SourceRef,
    claims?: { sub: string; jti: string; client_id?: string | undefined },
  ): Promise<FastifyReply> {
    annotateActiveSpan({ [attr.authResult]: 'rejected', [attr.authzReason]: code });
    const pending = this.#options.rejections.record({
      type: 'auth.rejected',
      service: 'mcp-server',
      instanceId: this.#options.instanceId,
      actor: claims ? { subject: claims.sub, tokenId: claims.jti, clientId: claims.client_id } : {},
      request: { method: `${request.method} ${request.url.split('?')[0]}` },
      decision: 'deny',
      reasonCode: code,
      policy: this.#options.policy(),
      trace,
      source,
      data: { detail: message },
    });
    // One log line per individual event; a folded rejection is counted in the window's summary line
    // (onFolded), so a flood does not turn into thousands of log lines per second.
    const line = { event: 'auth.rejected', reason: code, source: source.address };
    if (pending) request.log.info(line, 'request rejected');
    else request.log.debug(line, 'request rejected (folded)');
    // Durable before the 401 goes out, unless folded into the window's count (flood control).
    if (pending) await pending;
    // RFC 6750 §3.1: a request without credentials gets a challenge without an error code.
    const missing = code === 'ERR_TOKEN_MISSING';
    // As if thrown through the verification span: status ERROR with error.type = the code.
    recordActiveSpanError(new AppError(code, message));
    const challenge = bearerChallenge({
      resourceMetadataUrl: this.#options.resourceMetadataUrl,
      ...(missing ? {} : { error: 'invalid_token' as const, description: message }),
    });
    return sendChallenge(reply, code, challenge, message);
  }
}
