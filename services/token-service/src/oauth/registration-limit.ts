import type { FastifyInstance } from 'fastify';
import { errorCodes } from '../../../shared/errors/index.js';
import type { PolicyRef } from '../../../shared/event-store/events.js';
import { FixedWindowLimiter, type RefusalRecorder } from '../../../shared/http/index.js';
import { requestTrace } from '../../../shared/telemetry/index.js';

export interface RegistrationLimitOptions {
  /** Registrations per hour from one client address, and in all (this replica). */
  readonly perSource: number;
  readonly total: number;
  readonly registrationPath: string;
  readonly rejections: Pick<RefusalRecorder, 'record'>;
  readonly policy: () => PolicyRef;
  readonly instanceId: string;
  readonly now?: () => number;
}

const code = 'ERR_OAUTH_REGISTRATION_LIMITED';

/**
 * Bounds open dynamic client registration (RFC 7591): every registration is a client row kept for
 * good, so beyond `perSource` an hour from one address, or `total` in all, a registration is
 * answered 429 with `Retry-After` before oidc-provider sees it, and recorded as `auth.rejected`
 * (folded under a flood). A client registers once per install; Claude Code again only after its
 * registration is lost.
 */
export function installRegistrationLimit(app: FastifyInstance, options: RegistrationLimitOptions): void {
  const limiter = new FixedWindowLimiter({
    perKey: options.perSource,
    total: options.total,
    windowMs: 3_600_000,
    now: options.now,
  });
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'POST' || request.url.split('?')[0] !== options.registrationPath) return;
    const decision = limiter.take(request.ip);
    if (decision.allowed) return;
    const retryAfterSeconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1_000));
    const pending = options.rejections.record({
      type: 'auth.rejected',
      service: 'token-service',
      instanceId: options.instanceId,
      actor: {},
      request: { method: `POST ${options.registrationPath}` },
      decision: 'deny',
      reasonCode: code,
      policy: options.policy(),
      trace: requestTrace(request.headers.traceparent),
      source: { address: request.ip, userAgent: request.headers['user-agent'] },
      data: { detail: `registration limit reached; retry after ${retryAfterSeconds} s` },
    });
    if (pending) await pending;
    return reply
      .code(errorCodes[code].status)
      .header('retry-after', String(retryAfterSeconds))
      .header('cache-control', 'no-store')
      .send({ error: 'temporarily_unavailable', error_description: `${code}: ${errorCodes[code].message}` });
  });
}
