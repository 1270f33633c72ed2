import { createLocalJWKSet, jwtVerify } from 'jose';
import type { KoaContextWithOIDC, Provider } from 'oidc-provider';
import type { JsonWebKeySet } from '../../../shared/auth/index.js';
import { AppError } from '../../../shared/errors/index.js';
import type { EventAppender } from '../../../shared/event-store/api.js';
import type { AuditEvent, PolicyRef, SourceRef, TraceRef } from '../../../shared/event-store/events.js';
import type { AuthRejection, RefusalRecorder } from '../../../shared/http/index.js';
import { requestTrace } from '../../../shared/telemetry/index.js';
import { oauthErrorCode } from './oauth-error-code.js';
import { clientAddressOf } from './oauth-plugin.js';
import type { PostgresAdapterStore, TokenFamily } from './postgres-adapter.js';

/** What one request to oidc-provider did that the audit log must know, collected from its events. */
interface RequestAudit {
  readonly trace: TraceRef;
  readonly source: SourceRef;
  readonly errors: { error: string; description: string | undefined; detail: string | undefined }[];
  readonly revokedGrants: string[];
}

export interface OAuthAuditOptions {
  readonly append: EventAppender['append'];
  /**
   * Refused requests go through it: the first ones from a source are events of their own, a flood
   * is counted in one event per window (a bad code or client secret sent in a loop cannot grow the
   * log without bound).
   */
  readonly rejections: Pick<RefusalRecorder, 'record'>;
  readonly instanceId: string;
  readonly policy: () => PolicyRef;
  readonly families: Pick<
    PostgresAdapterStore,
    'addFamilyMember' | 'familyOf' | 'dropFamily' | 'orphanedFamilies' | 'forgetFamilyMember'
  >;
  /** How often families of revoked grants left unrecorded are looked for. Default 60 s. */
  readonly reconcileIntervalMs?: number;
  /** Told what each periodic reconciliation did: grants settled, or why it failed (for the log). */
  readonly onReconciled?: (outcome: { settled: number } | { error: unknown }) => void;
  readonly issuerUrl: string;
  readonly publicJwks: () => JsonWebKeySet;
}

const audits = new WeakMap<object, RequestAudit>();

/** Runs and stops the reconciliation of revoked families (see {@link installOAuthAudit}). */
export interface OAuthAuditHandle {
  /** Records and forgets the families of revoked grants still present; returns how many. */
  reconcile(): Promise<number>;
  stop(): void;
}

/**
 * Records what oidc-provider decided — tokens issued and refreshed, token families revoked, requests
 * refused — as audit events, and holds the response until they are committed: a koa middleware
 * around the provider's router, so a token leaves only once `token.issued` is durable, and if the
 * log cannot commit the client gets a 503 instead of the token (fail closed).
 *
 * A revoked grant's access tokens (its family) are forgotten only once their `token.revoked` events
 * are committed; families of revoked grants still present (the commit failed, or the process died)
 * are revoked by a periodic reconciliation, so a revocation is never lost. Returns the handle that
 * runs and stops it.
 */
export function installOAuthAudit(provider: Provider, options: OAuthAuditOptions): OAuthAuditHandle {
  const onError = (ctx: KoaContextWithOIDC, error: unknown) => {
    const audit = audits.get(ctx);
    const {
      error: code,
      error_description: description,
      error_detail: detail,
    } = error as { error?: string; error_description?: string; error_detail?: string };
    if (audit && typeof code === 'string' && (error as { statusCode?: number }).statusCode !== 500) {
      audit.errors.push({ error: code, description, detail });
    }
  };
  provider.on('authorization.error', onError);
  provider.on('grant.error', onError);
  provider.on('registration_create.error', onError);
  provider.on('revocation.error', onError);
  provider.on('grant.revoked', (ctx: KoaContextWithOIDC, grantId: string) =>
    audits.get(ctx)?.revokedGrants.push(grantId),
  );

  const jwks = () => createLocalJWKSet(options.publicJwks());

  provider.use(async (ctx, next) => {
    const audit: RequestAudit = {
      trace: requestTrace(ctx.get('traceparent') || undefined),
      source: { address: clientAddressOf(ctx.req) ?? ctx.ip, userAgent: ctx.get('user-agent') || undefined },
      errors: [],
      revokedGrants: [],
    };
    audits.set(ctx, audit);
    await next();
    const oidcCtx = ctx as unknown as KoaContextWithOIDC;
    acceptJwtRevocation(oidcCtx, audit);
    const families = await revokedFamilies(audit);
    const events = [
      ...(await issuedEvents(oidcCtx, audit)),
      ...families.flatMap((family) =>
        familyRevocationEvents(family, familyRevocationReason(oidcCtx, audit), audit),
      ),
      ...(await revokedAccessTokenEvents(oidcCtx, audit)),
    ];
    // Durable before the response, like the events above, unless folded into the window's count.
    const rejections = rejectedEvents(oidcCtx, audit).map((rejection) =>
      options.rejections.record(rejection),
    );
    if (events.length === 0 && rejections.every((pending) => pending === undefined)) return;
    try {
      await Promise.all([events.length > 0 ? options.append(events) : undefined, ...rejections]);
    } catch (error) {
      const code = error instanceof AppError ? error.code : 'ERR_AUDIT_UNAVAILABLE';
      ctx.status = 503;
      ctx.remove('location');
      ctx.set('cache-control', 'no-store');
      ctx.body = {
        error: 'temporarily_unavailable',
        error_description: `${code}: the audit log could not record this`,
      };
      return;
    }
    // Committed: the families' tokens are revoked for good. Forgetting them is housekeeping; a
    // failure leaves them for the reconciliation, whose events (same idempotency keys) change nothing.
    for (const family of families) await options.families.dropFamily(family).catch(() => {});
  });

  function envelope(audit: Pick<RequestAudit, 'trace' | 'source'>) {
    return {
      service: 'token-service',
      instanceId: options.instanceId,
      policy: options.policy(),
      trace: audit.trace,
      source: audit.source,
    } as const;
  }

  async function issuedEvents(ctx: KoaContextWithOIDC, audit: RequestAudit): Promise<AuditEvent[]> {
    if (routeOf(ctx) !== 'token' || ctx.status !== 200) return [];
    const at = ctx.oidc.entities.AccessToken;
    if (at === undefined || typeof at.jti !== 'string') return [];
    const subject = at.accountId ?? '';
    const clientId = at.clientId ?? '';
    const scopes = (at.scope ?? '').split(' ').filter(Boolean).sort();
    const expiresAtMs = ((at.iat ?? Math.floor(Date.now() / 1000)) + (at.expiration ?? 0)) * 1000;
    const audience = String(at.aud ?? at.resourceServer?.audience ?? '');
    if (at.grantId) {
      await options.families.addFamilyMember({
        grantId: at.grantId,
        subject,
        clientId,
        tokenId: at.jti,
        expiresAtMs,
      });
    }
    const common = {
      ...envelope(audit),
      actor: { subject, clientId, tokenId: at.jti },
      decision: 'allow' as const,
      scopesGranted: scopes,
    };
    const expiresAt = new Date(expiresAtMs).toISOString();
    // oidc-provider appends the grant type of every refresh: `authorization_code refresh_token`.
    if (at.gty?.split(' ').includes('refresh_token')) {
      return [{ ...common, type: 'token.refreshed', data: { audience, expiresAt, scopes } }];
    }
    return [
      {
        ...common,
        type: 'token.issued',
        data: { audience, expiresAt, issuedVia: at.gty ?? 'authorization_code', scopes },
      },
    ];
  }

  async function revokedFamilies(audit: RequestAudit): Promise<TokenFamily[]> {
    const families = await Promise.all(
      audit.revokedGrants.map((grantId) => options.families.familyOf(grantId)),
    );
    return families.filter((family) => family !== undefined);
  }

  /**
   * One `token.revoked` per live token of the family (one for the family when none is live). The
   * idempotency key names the grant and token, so the request and the reconciliation recording the
   * same revocation write it once.
   */
  function familyRevocationEvents(
    family: TokenFamily,
    reason: string,
    audit: Pick<RequestAudit, 'trace' | 'source'>,
  ): AuditEvent[] {
    const tokenIds = family.tokens.size > 0 ? [...family.tokens.keys()] : [undefined];
    return tokenIds.map((tokenId) => ({
      ...envelope(audit),
      type: 'token.revoked',
      idempotencyKey: `token.revoked:grant:${family.grantId}:${tokenId ?? 'family'}`,
      actor: { subject: family.subject, clientId: family.clientId, tokenId },
      decision: 'deny',
      data: { ...(tokenId === undefined ? {} : { revokedTokenId: tokenId }), reason },
    }));
  }

  // Grants whose family was found orphaned by the previous round. A family is settled only when two
  // rounds in a row find it: a revocation in progress (its grant already gone, its events about to
  // commit) is left to the request, which records the precise reason.
  let suspects = new Set<string>();

  /**
   * Revokes the families of revoked grants left unrecorded, those already found by the previous
   * round; returns how many grants it settled.
   */
  async function reconcile(): Promise<number> {
    const orphaned = await options.families.orphanedFamilies();
    const families = orphaned.filter((family) => suspects.has(family.grantId));
    suspects = new Set(orphaned.map((family) => family.grantId));
    for (const family of families) {
      await options.append(
        familyRevocationEvents(family, 'grant_revoked', { trace: requestTrace(undefined), source: {} }),
      );
      await options.families.dropFamily(family);
    }
    return families.length;
  }

  /** RFC 7009 for the JWT access tokens, which oidc-provider cannot look up: verified, then revoked by `jti`. */
  async function revokedAccessTokenEvents(
    ctx: KoaContextWithOIDC,
    audit: RequestAudit,
  ): Promise<AuditEvent[]> {
    if (routeOf(ctx) !== 'revocation' || ctx.status !== 200) return [];
    const token = (ctx.oidc.params as { token?: unknown } | undefined)?.token;
    const clientId = ctx.oidc.client?.clientId;
    if (typeof token !== 'string' || token.split('.').length !== 3 || clientId === undefined) return [];
    try {
      const { payload } = await jwtVerify(token, jwks(), { issuer: options.issuerUrl, typ: 'at+jwt' });
      // RFC 7009 §2.1: a client may revoke only its own tokens; others are ignored with a 200.
      if (payload.client_id !== clientId || typeof payload.jti !== 'string') return [];
      await options.families.forgetFamilyMember(payload.jti);
      return [
        {
          ...envelope(audit),
          type: 'token.revoked',
          actor: { subject: payload.sub, clientId, tokenId: payload.jti },
          decision: 'deny',
          data: { revokedTokenId: payload.jti, reason: 'client_revocation' },
        },
      ];
    } catch {
      return [];
    }
  }

  function rejectedEvents(ctx: KoaContextWithOIDC, audit: RequestAudit): AuthRejection[] {
    return audit.errors.map((error) => ({
      ...envelope(audit),
      type: 'auth.rejected',
      actor: { clientId: clientIdOf(ctx) },
      request: { method: `${ctx.method} ${ctx.path}` },
      decision: 'deny',
      reasonCode: oauthErrorCode(error.error),
      data: { detail: [error.error, error.description, error.detail].filter(Boolean).join(': ') },
    }));
  }

  const timer = setInterval(
    () =>
      void reconcile().then(
        (settled) => settled > 0 && options.onReconciled?.({ settled }),
        (error: unknown) => options.onReconciled?.({ error }),
      ),
    options.reconcileIntervalMs ?? 60_000,
  );
  timer.unref();
  return { reconcile, stop: () => clearInterval(timer) };
}

/**
 * oidc-provider refuses to revoke structured (JWT) tokens, as it cannot look them up; RFC 7009 §2.2
 * still wants a 200, and the MCP servers learn of the revocation from the `token.revoked` event
 * recorded by `revokedAccessTokenEvents`. Runs only once the client has authenticated.
 */
function acceptJwtRevocation(ctx: KoaContextWithOIDC, audit: RequestAudit): void {
  if (routeOf(ctx) !== 'revocation') return;
  const index = audit.errors.findIndex((error) => error.error === 'unsupported_token_type');
  if (index === -1 || ctx.oidc.client === undefined) return;
  audit.errors.splice(index, 1);
  ctx.status = 200;
  ctx.body = '';
}

function familyRevocationReason(ctx: KoaContextWithOIDC, audit: RequestAudit): string {
  const description = audit.errors
    .map((error) => `${error.description ?? ''} ${error.detail ?? ''}`)
    .join(' ');
  if (description.includes('authorization code already consumed')) return 'authorization_code_reuse';
  if (description.includes('refresh token already used')) return 'refresh_token_reuse';
  if (routeOf(ctx) === 'revocation') return 'client_revocation';
  return 'grant_revoked';
}

function routeOf(ctx: KoaContextWithOIDC): string | undefined {
  try {
    return ctx.oidc?.route;
  } catch {
    return undefined;
  }
}

function clientIdOf(ctx: KoaContextWithOIDC): string | undefined {
  try {
    const fromClient = ctx.oidc?.client?.clientId;
    if (fromClient) return fromClient;
    const fromParams = (ctx.oidc?.params as { client_id?: unknown } | undefined)?.client_id;
    return typeof fromParams === 'string' ? fromParams.slice(0, 200) : undefined;
  } catch {
    return undefined;
  }
}
