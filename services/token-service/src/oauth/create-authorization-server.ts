import { hkdfSync } from 'node:crypto';
import Provider, { type Configuration, errors, type KoaContextWithOIDC } from 'oidc-provider';
import { scopes as contractScopes, type SigningKeys } from '../../../shared/auth/index.js';
import type { EventAppender } from '../../../shared/event-store/api.js';
import type { RefusalRecorder } from '../../../shared/http/index.js';
import { type Policy, scopesForIdentity } from '../../../shared/policy/index.js';
import type { TokenServiceConfig } from '../config.js';
import type { AccountStore } from './account-store.js';
import { checkClientRegistration } from './client-registration-policy.js';
import { escapeHtml, htmlDocument, htmlPageHeaders } from './html-page.js';
import { installOAuthAudit, type OAuthAuditOptions } from './oauth-audit.js';
import type { PostgresAdapterStore } from './postgres-adapter.js';
import { matchesResource, resolveResourceServer } from './resource-indicator.js';

/** Where the authorization server's endpoints live, below the issuer (which has no path). */
export const oauthRoutes = Object.freeze({
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  registration: '/oauth/register',
  revocation: '/oauth/revoke',
  jwks: '/oauth/jwks',
  end_session: '/oauth/session/end',
  interaction: '/oauth/interaction',
});

/** The scopes advertised in the metadata: the contract scopes and `offline_access` for refresh tokens. */
export const advertisedScopes: readonly string[] = Object.freeze([...contractScopes, 'offline_access']);

export interface AuthorizationServerOptions {
  readonly config: TokenServiceConfig;
  readonly keys: SigningKeys;
  readonly policy: Policy;
  readonly append: EventAppender['append'];
  /** Records refused OAuth requests (`auth.rejected`), folded under a flood like the APIs' refusals. */
  readonly rejections: RefusalRecorder;
  /** See `OAuthAuditOptions.onReconciled`. */
  readonly onReconciled?: OAuthAuditOptions['onReconciled'];
  readonly accounts: AccountStore;
  /** Shared OAuth state in Postgres (clients, grants, sessions, codes, refresh tokens, token families). */
  readonly state: PostgresAdapterStore;
  /** Keys the provider's cookies (session, interaction); derived, never used directly. */
  readonly cookieSecret: Buffer;
}

/** The oidc-provider instance and what it needs to revoke a subject. */
export interface AuthorizationServer {
  readonly provider: Provider;
  /**
   * Ends everything this server holds for `subject`: its grants (with their refresh tokens and
   * unredeemed authorization codes) and its sessions, so nothing issued before now can be refreshed
   * and the next authorization signs in at the upstream IdP again. Access tokens are JWTs the MCP
   * servers verify offline; they are revoked by the `token.revoked` event, not here.
   */
  revokeSubject(subject: string): Promise<SubjectRevocation>;
  /**
   * Records and forgets the token families of revoked grants whose revocation was never committed
   * (runs every minute by itself); returns how many grants it settled.
   */
  reconcileRevokedFamilies(): Promise<number>;
  close(): void;
}

/** What {@link AuthorizationServer.revokeSubject} removed. */
export interface SubjectRevocation {
  readonly grants: number;
  readonly sessions: number;
  /**
   * Forgets the token families of the ended grants, as read when they ended: call it once the
   * subject's event is committed. Until then they stay, so that if the event never commits, the
   * reconciliation revokes them; a token added since (a refresh in flight) stays for it too.
   */
  forgetFamilies(): Promise<void>;
}

/**
 * The OAuth 2.1 authorization server for MCP clients, built on oidc-provider: authorization code
 * with PKCE S256 only, open dynamic registration for public native clients (RFC 7591, RFC 8252),
 * refresh tokens rotated on every use with reuse detection that revokes the grant, RFC 7009
 * revocation, RFC 9207 `iss`, and RFC 8707 resource indicators binding every access token to the
 * MCP server. Access tokens are RFC 9068 JWTs signed with the service's key (the JWKS the MCP server
 * verifies), carrying `scope`, `client_id` and the policy version `pv`.
 *
 * State (clients, grants, sessions, codes, refresh tokens) lives in Postgres (`oauth_state`), shared
 * by every replica: see `PostgresAdapterStore`.
 */
export function createAuthorizationServer(options: AuthorizationServerOptions): AuthorizationServer {
  const { config, keys, policy, accounts } = options;
  const store = options.state;
  const alg = keys.current.alg;
  const resourceServers = { mcp: config.resourceUrl, tokenService: config.issuerUrl };
  const cookieKey = Buffer.from(hkdfSync('sha256', options.cookieSecret, '', 'oauth-cookies', 32)).toString(
    'base64url',
  );

  /** The scopes policy grants the grant's user now; undefined before anyone has signed in. */
  const currentPolicyScopes = async (ctx: KoaContextWithOIDC): Promise<readonly string[] | undefined> => {
    const { entities } = ctx.oidc;
    const accountId = entities.RefreshToken?.accountId ?? entities.AuthorizationCode?.accountId;
    if (accountId === undefined) return undefined;
    const account = await accounts.get(accountId);
    // An account the token service no longer knows gets nothing: fail closed.
    return account ? scopesForIdentity(policy, account.identity).scopes : [];
  };

  const configuration: Configuration = {
    adapter: store.factory,
    jwks: keys.privateJwks() as Configuration['jwks'],
    findAccount: async (_ctx, sub) => {
      const account = await accounts.get(sub);
      return (
        account && {
          accountId: sub,
          claims: () => ({ sub, ...(account.email ? { email: account.email } : {}) }),
        }
      );
    },
    scopes: ['openid', 'offline_access'],
    claims: { openid: ['sub'] },
    responseTypes: ['code'],
    pkce: { required: () => true },
    allowOmittingSingleRegisteredRedirectUri: false,
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      id_token_signed_response_alg: alg,
    },
    clientAuthMethods: ['none'],
    enabledJWA: { idTokenSigningAlgValues: [alg] },
    extraClientMetadata: {
      properties: ['software_id', 'software_version'],
      validator(_ctx, key, _value, metadata) {
        if (key !== 'software_id') return;
        const decision = checkClientRegistration(metadata);
        if (!decision.ok) throw new errors.InvalidClientMetadata(decision.message);
        // Loopback redirect URIs match on any port only for native clients (RFC 8252 §7.3), and
        // the scopes a client gets are decided by policy per user, not by what it registered.
        metadata.application_type = 'native';
        delete metadata.scope;
      },
    },
    cookies: {
      names: { session: '_ts_session', interaction: '_ts_interaction', resume: '_ts_interaction_resume' },
      keys: [cookieKey],
    },
    routes: {
      authorization: oauthRoutes.authorization,
      token: oauthRoutes.token,
      registration: oauthRoutes.registration,
      revocation: oauthRoutes.revocation,
      jwks: oauthRoutes.jwks,
      end_session: oauthRoutes.end_session,
    },
    interactions: { url: (_ctx, interaction) => `${oauthRoutes.interaction}/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      // draft-ietf-oauth-client-id-metadata-document: the fetched document goes through the same
      // registration policy as dynamic registration (the extraClientMetadata validator above).
      clientIdMetadataDocument: {
        enabled: config.clientIdMetadataDocuments.enabled,
        ack: 'draft-02',
        allowFetch: (_ctx, clientId) => {
          const { allowedHosts } = config.clientIdMetadataDocuments;
          return allowedHosts.length === 0 || allowedHosts.includes(new URL(clientId).host.toLowerCase());
        },
        allowClient: () => true,
      },
      registration: { enabled: true, initialAccessToken: false, issueRegistrationAccessToken: false },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      userinfo: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      // The MCP server does not check sender constraints, so no token may be bound to a DPoP key.
      dPoP: { enabled: false },
      resourceIndicators: {
        enabled: true,
        // RFC 8707 is optional for clients: a request without `resource` is for the MCP server, and
        // a token request for a grant covering several resources defaults to the MCP server too.
        defaultResource: (_ctx, _client, oneOf) =>
          oneOf === undefined
            ? config.resourceUrl
            : (oneOf.find((resource) => matchesResource(resource, config.resourceUrl)) ?? oneOf),
        useGrantedResource: () => true,
        getResourceServerInfo: async (ctx, indicator) => {
          const server = resolveResourceServer(indicator, resourceServers, contractScopes);
          if (server === undefined) {
            throw new errors.InvalidTarget(
              `this authorization server issues tokens for ${config.resourceUrl} and ${config.issuerUrl} only`,
            );
          }
          // Tokens issued from an existing grant (code exchange, refresh) carry no scope the policy
          // now serving denies that user: a policy change or rollback narrows refreshed tokens too.
          const allowed = await currentPolicyScopes(ctx);
          if (allowed !== undefined && allowed.length === 0) {
            throw new errors.InvalidGrant('the policy now in force grants this user no scope');
          }
          return {
            scope: server.scopes
              .filter((scope) => allowed === undefined || allowed.includes(scope))
              .join(' '),
            audience: server.audience,
            accessTokenFormat: 'jwt',
            accessTokenTTL: config.accessTokenTtlSeconds,
            jwt: { sign: { alg } },
          };
        },
      },
    },
    extraTokenClaims: () => ({ pv: policy.version }),
    // Public clients get a new refresh token on every use; presenting an old one revokes the grant.
    rotateRefreshToken: true,
    // OAuth 2.1 clients (the MCP SDK) get refresh tokens without the OIDC `offline_access` scope, and
    // they outlive the browser session at the token service: policy, not the session, bounds access.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    expiresWithSession: async () => false,
    ttl: {
      AccessToken: config.accessTokenTtlSeconds,
      AuthorizationCode: 60,
      IdToken: 300,
      Interaction: 600,
      RefreshToken: config.refreshTokenTtlSeconds,
      Grant: config.refreshTokenTtlSeconds,
      Session: 8 * 3600,
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.set(htmlPageHeaders);
      ctx.body = htmlDocument(
        'Authorization error',
        `<h1 class="error">Authorization error</h1>\n<p><code>${escapeHtml(String(out.error))}</code></p>\n<p>${escapeHtml(
          String(out.error_description ?? ''),
        )}</p>`,
      );
    },
  };

  const provider = new Provider(config.issuerUrl, configuration);
  // RFC 8414 §2: exactly the scopes a client may ask for. Clients such as Claude Code request all of
  // them; each user is granted the subset policy allows.
  provider.use(async (ctx, next) => {
    await next();
    const oidc = (ctx as unknown as KoaContextWithOIDC).oidc as KoaContextWithOIDC['oidc'] | undefined;
    if (oidc?.route === 'discovery' && ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
      ctx.body = {
        ...(ctx.body as object),
        scopes_supported: [...advertisedScopes],
        claims_supported: undefined,
      };
    }
  });
  const audit = installOAuthAudit(provider, {
    append: options.append,
    rejections: options.rejections,
    instanceId: config.instanceId,
    policy: () => policy.ref,
    families: store,
    issuerUrl: config.issuerUrl,
    publicJwks: () => keys.publicJwks(),
    onReconciled: options.onReconciled,
  });
  return {
    provider,
    revokeSubject: async (subject) => {
      const revoked = await store.revokeAccount(subject);
      const families = (await Promise.all(revoked.grantIds.map((grantId) => store.familyOf(grantId)))).filter(
        (family) => family !== undefined,
      );
      return {
        grants: revoked.grantIds.length,
        sessions: revoked.sessions,
        forgetFamilies: async () => {
          // Housekeeping after the commit: a failure leaves them for the reconciliation.
          for (const family of families) await store.dropFamily(family).catch(() => {});
        },
      };
    },
    reconcileRevokedFamilies: () => audit.reconcile(),
    close: () => {
      audit.stop();
      store.close();
    },
  };
}
