import type { FastifyInstance } from 'fastify';
import { errorCodes } from '../../../shared/errors/index.js';
import type { PolicyRef } from '../../../shared/event-store/events.js';
import { FixedWindowLimiter, type RefusalRecorder } from '../../../shared/http/index.js';
import { requestTrace } from '../../../shared/telemetry/index.js';

/** Requests per window from one client address, and in all (this replica). */
export interface EndpointLimit {
  readonly perSource: number;
  readonly total: number;
}

export interface EndpointLimitOptions extends EndpointLimit {
  /** The endpoint's path as oidc-provider routes it (`/oauth/register`). */
  readonly path: string;
  readonly methods: readonly string[];
  readonly windowMs: number;
  readonly rejections: Pick<RefusalRecorder, 'record'>;
  readonly policy: () => PolicyRef;
  readonly instanceId: string;
  readonly now?: () => number;
}

const code = 'ERR_OAUTH_RATE_LIMITED';

/**
 * Whether oidc-provider's router sends `url` to the static route `path`: it compares paths
 * case-insensitively and also matches one trailing slash. Anything that folds to the same upper-case
 * text counts here (more than the router routes, never less), so no spelling slips past a limit.
 */
export function routesTo(url: string, path: string): boolean {
  // The path of an origin-form target, or of an absolute-form one (`POST http://host/oauth/register`).
  const pathname = URL.parse(url, 'http://localhost')?.pathname ?? url.split('?', 1)[0] ?? '';
  const requested = pathname.replace(/\/+$/, '');
  return requested.length === path.length && requested.toUpperCase() === path.toUpperCase();
}

/**
 * The key a client address is counted under: an IPv4 address as it is, an IPv6 address by its /64
 * (what one subscriber is usually given, so rotating within it gains nothing).
 */
export function sourceKey(address: string): string {
  if (!address.includes(':')) return address;
  // An IPv4 address written inside an IPv6 one (mapped, NAT64 `64:ff9b::`, compatible): its own key.
  const embedded = /:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (embedded?.[1]) return embedded[1];
  const [head = '', tail] = address.toLowerCase().split('::', 2);
  const front = head === '' ? [] : head.split(':');
  const back = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined
      ? front
      : [...front, ...Array(Math.max(0, 8 - front.length - back.length)).fill('0'), ...back];
  return `${groups
    .slice(0, 4)
    .map((group) => Number.parseInt(group || '0', 16).toString(16))
    .join(':')}::/64`;
}

/**
 * Bounds an unauthenticated OAuth endpoint that stores something per request: dynamic client
 * registration (RFC 7591; every registration a client row kept for good) and authorization requests
 * (each an interaction row held for its lifetime). Beyond `perSource` requests per window from one
 * client address, or `total` in all, the request is answered 429 with `Retry-After` before
 * oidc-provider sees it, and recorded as `auth.rejected` (folded under a flood).
 */
export function installEndpointLimit(app: FastifyInstance, options: EndpointLimitOptions): void {
  const limiter = new FixedWindowLimiter({
    perKey: options.perSource,
    total: options.total,
    windowMs: options.windowMs,
    now: options.now,
  });
  const methods = new Set(options.methods);
  app.addHook('onRequest', async (request, reply) => {
    if (!methods.has(request.method) || !routesTo(request.url, options.path)) return;
    const decision = limiter.take(sourceKey(request.ip));
    if (decision.allowed) return;
    const retryAfterSeconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1_000));
    const pending = options.rejections.record({
      type: 'auth.rejected',
      service: 'token-service',
      instanceId: options.instanceId,
      actor: {},
      request: { method: `${request.method} ${options.path}` },
      decision: 'deny',
      reasonCode: code,
      policy: options.policy(),
      trace: requestTrace(request.headers.traceparent),
      source: { address: request.ip, userAgent: request.headers['user-agent'] },
      data: { detail: `${options.path}: limit reached; retry after ${retryAfterSeconds} s` },
    });
    if (pending) await pending;
    return reply
      .code(errorCodes[code].status)
      .header('retry-after', String(retryAfterSeconds))
      .header('cache-control', 'no-store')
      .send({ error: 'temporarily_unavailable', error_description: `${code}: ${errorCodes[code].message}` });
  });
}
