import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCode } from '../../../shared/errors/index.js';
import type { EventAppender } from '../../../shared/event-store/api.js';
import type { PolicyRef, SourceRef, TraceRef } from '../../../shared/event-store/events.js';
import { cutText, storableText } from '../../../shared/event-store/index.js';
import type { RefusalRecorder } from '../../../shared/http/index.js';
import { type Identity, type Policy, scopesForIdentity } from '../../../shared/policy/index.js';
import { requestTrace } from '../../../shared/telemetry/index.js';
import { readCookie, serializeCookie } from './cookies.js';
import type { LoginKind, LoginTransaction, LoginTransactionCodec } from './login-transaction.js';
import type { UpstreamClient } from './upstream-client.js';
import { identityFromClaims } from './upstream-identity.js';

/** Why a login produced no identity; each is an error registry code and the `login.failed` reason. */
export type LoginFailureCode = Extract<
  ErrorCode,
  | 'ERR_LOGIN_STATE_MISSING'
  | 'ERR_LOGIN_STATE_MISMATCH'
  | 'ERR_LOGIN_UPSTREAM_DENIED'
  | 'ERR_LOGIN_UPSTREAM_INVALID'
  | 'ERR_LOGIN_HOSTED_DOMAIN'
  | 'ERR_LOGIN_NO_POLICY_MATCH'
  | 'ERR_LOGIN_SCOPE_NOT_ALLOWED'
  | 'ERR_LOGIN_EXPIRED'
  | 'ERR_LOGIN_CONSENT_DENIED'
>;

/** A user the upstream IdP signed in and policy grants at least one scope. */
export interface SignedInUser {
  readonly subject: string;
  readonly identity: Identity;
  readonly email: string | undefined;
  /** Every scope policy grants this identity, sorted. */
  readonly scopes: readonly string[];
}

/** The result of {@link LoginFlow.complete}: a user, or why not (with the transaction when there was one). */
export type LoginOutcome =
  | { readonly ok: true; readonly tx: LoginTransaction; readonly user: SignedInUser }
  | {
      readonly ok: false;
      readonly tx: LoginTransaction | undefined;
      readonly code: LoginFailureCode;
      readonly message: string;
      readonly email?: string | undefined;
      readonly subject?: string | undefined;
    };

export interface LoginFlowOptions {
  readonly upstream: UpstreamClient;
  readonly codec: LoginTransactionCodec;
  readonly policy: Policy;
  readonly append: EventAppender['append'];
  /**
   * Records `login.failed`: the first failures of a kind from a source are events of their own, a
   * flood (a callback URL requested in a loop without a sign-in behind it) is counted in one event
   * per window.
   */
  readonly refusals: Pick<RefusalRecorder, 'record'>;
  readonly instanceId: string;
  /** The token service's public URL; callbacks are built from it, never from the Host header. */
  readonly issuerUrl: string;
  /** `OIDC_HOSTED_DOMAIN`: only accounts of this domain may sign in. */
  readonly upstreamHostedDomain: string | undefined;
}

/** The callback path of each kind of login, as registered with the upstream IdP. */
export const callbackPaths: Readonly<Record<LoginKind, string>> = Object.freeze({
  browser: '/auth/callback',
  interaction: '/oauth/upstream/callback',
});

const cookieNames: Readonly<Record<LoginKind, string>> = Object.freeze({
  browser: 'ts_login_browser',
  interaction: 'ts_login_interaction',
});

/**
 * The upstream login (OpenID Connect authorization code flow with state, nonce and PKCE, via
 * openid-client): {@link LoginFlow.begin} sends the browser to the IdP, {@link LoginFlow.complete}
 * validates its return and maps the identity to scopes by policy. The `login.*` events are recorded
 * by the caller through {@link LoginFlow.recordSuccess} and {@link LoginFlow.recordFailure}, which
 * resolve once the event is committed.
 */
export class LoginFlow {
  readonly #options: LoginFlowOptions;
  readonly #secure: boolean;

  constructor(options: LoginFlowOptions) {
    this.#options = options;
    this.#secure = options.issuerUrl.startsWith('https:');
  }

  get upstreamIssuer(): string {
    return this.#options.upstream.issuer;
  }

  /** Redirects the browser to the IdP, remembering the login in a cookie scoped to its callback. */
  async begin(
    reply: FastifyReply,
    tx: Omit<LoginTransaction, 'state' | 'nonce' | 'codeVerifier'>,
  ): Promise<FastifyReply> {
    const { url, challenge } = await this.#options.upstream.begin(this.#callbackUrl(tx.kind));
    const sealed = await this.#options.codec.seal({ ...tx, ...challenge });
    return reply
      .header(
        'set-cookie',
        serializeCookie(
          cookieNames[tx.kind],
          sealed,
          this.#cookieOptions(tx.kind, this.#options.codec.ttlSeconds),
        ),
      )
      .header('cache-control', 'no-store')
      .redirect(url.href, 303);
  }

  /** Validates the IdP's return to the callback of `kind`; always clears the login cookie. */
  async complete(request: FastifyRequest, reply: FastifyReply, kind: LoginKind): Promise<LoginOutcome> {
    const cookie = readCookie(request.headers.cookie, cookieNames[kind]);
    reply.header('set-cookie', serializeCookie(cookieNames[kind], '', this.#cookieOptions(kind, 0)));
    const tx = cookie === undefined ? undefined : await this.#options.codec.open(cookie);
    if (tx === undefined || tx.kind !== kind) {
      return {
        ok: false,
        tx: undefined,
        code: 'ERR_LOGIN_STATE_MISSING',
        message: 'no sign-in was started in this browser, or it expired; start again',
      };
    }
    const query = new URL(request.url, this.#options.issuerUrl).searchParams;
    if (query.get('state') !== tx.state) {
      return {
        ok: false,
        tx,
        code: 'ERR_LOGIN_STATE_MISMATCH',
        message: 'the response carries a state this browser did not send',
      };
    }
    const error = query.get('error');
    if (error !== null) {
      const description = query.get('error_description');
      return {
        ok: false,
        tx,
        code: 'ERR_LOGIN_UPSTREAM_DENIED',
        // The callback's query is anyone's to write: cut, and made storable (a NUL fails an event).
        message: storableText(
          cutText(`the identity provider answered ${error}${description ? ` (${description})` : ''}`, 300),
        ),
      };
    }
    let claims: Awaited<ReturnType<UpstreamClient['finish']>>;
    try {
      const callbackUrl = new URL(this.#callbackUrl(kind));
      callbackUrl.search = query.toString();
      claims = await this.#options.upstream.finish(callbackUrl, tx);
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause);
      return {
        ok: false,
        tx,
        code: 'ERR_LOGIN_UPSTREAM_INVALID',
        message: storableText(cutText(message, 300)),
      };
    }
    const mapped = identityFromClaims(claims, { hostedDomain: this.#hostedDomain() });
    if (!mapped.ok) return { ok: false, tx, code: mapped.code, message: mapped.message };
    const { scopes } = scopesForIdentity(this.#options.policy, mapped.identity);
    if (scopes.length === 0) {
      return {
        ok: false,
        tx,
        code: 'ERR_LOGIN_NO_POLICY_MATCH',
        message: `policy ${this.#options.policy.id} version ${this.#options.policy.version} grants ${mapped.email ?? mapped.subject} no access`,
        email: mapped.email,
        subject: mapped.subject,
      };
    }
    return {
      ok: true,
      tx,
      user: { subject: mapped.subject, identity: mapped.identity, email: mapped.email, scopes },
    };
  }

  /** Re-evaluates the current policy for a remembered identity (a later authorization, same session). */
  scopesFor(identity: Identity): readonly string[] {
    return scopesForIdentity(this.#options.policy, identity).scopes;
  }

  get policyRef(): PolicyRef {
    return this.#options.policy.ref;
  }

  recordSuccess(
    request: FastifyRequest,
    user: SignedInUser,
    clientId: string,
    scopes: readonly string[],
  ): Promise<unknown> {
    return this.#options.append({
      type: 'login.succeeded',
      service: 'token-service',
      instanceId: this.#options.instanceId,
      actor: { subject: user.subject, clientId },
      decision: 'allow',
      policy: this.#options.policy.ref,
      scopesGranted: [...scopes],
      trace: traceOf(request),
      source: sourceOf(request),
      data: { issuer: user.identity.issuer, ...(user.email ? { email: user.email } : {}) },
    });
  }

  recordFailure(
    request: FastifyRequest,
    failure: {
      code: LoginFailureCode;
      message: string;
      email?: string | undefined;
      subject?: string | undefined;
    },
    clientId: string | undefined,
  ): Promise<unknown> | undefined {
    return this.#options.refusals.record({
      type: 'login.failed',
      service: 'token-service',
      instanceId: this.#options.instanceId,
      actor: { subject: failure.subject, clientId },
      decision: 'deny',
      reasonCode: failure.code,
      policy: this.#options.policy.ref,
      trace: traceOf(request),
      source: sourceOf(request),
      data: {
        issuer: this.#options.upstream.issuer,
        ...(failure.email ? { email: failure.email } : {}),
        detail: failure.message,
      },
    });
  }

  #hostedDomain(): string | undefined {
    return this.#options.upstreamHostedDomain;
  }

  #callbackUrl(kind: LoginKind): string {
    return `${this.#options.issuerUrl}${callbackPaths[kind]}`;
  }

  #cookieOptions(kind: LoginKind, maxAgeSeconds: number) {
    return { path: callbackPaths[kind], maxAgeSeconds, secure: this.#secure };
  }
}

const traces = new WeakMap<FastifyRequest, TraceRef>();

/** The trace of a request: the same for every event it records, so they correlate. */
export function traceOf(request: FastifyRequest): TraceRef {
  let trace = traces.get(request);
  if (trace === undefined) {
    trace = requestTrace(request.headers.traceparent);
    traces.set(request, trace);
  }
  return trace;
}

export function sourceOf(request: FastifyRequest): SourceRef {
  return { address: request.ip, userAgent: request.headers['user-agent'] };
}
