import { randomBytes } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import Provider, { type ClientMetadata, type Configuration } from 'oidc-provider';
import type { AppEnv } from '../../shared/config/index.js';
import { escapeHtml } from '../../shared/http/index.js';
import { assertDevEnvironment } from './assert-dev-environment.js';
import { DevIdpError } from './dev-idp-error.js';
import { DEV_USERS, type DevUser, devUserClaims } from './dev-users.js';
import { htmlDocument, pageHeaders } from './html-page.js';
import { createInteractionHandler, interactionPathPattern } from './interaction-handler.js';
import { isLoopbackHost } from './loopback.js';
import { generateSigningKey } from './signing-key.js';

/** A registered relying party (the token service). Confidential: it authenticates with its secret. */
export interface DevIdpClient {
  readonly client_id: string;
  readonly client_secret: string;
  /** Compared exactly (OAuth 2.1 §2.3.1); an authorization request naming another URI is refused. */
  readonly redirect_uris: readonly string[];
  /**
   * How the client authenticates at the token endpoint. Defaults to `client_secret_post`, which is
   * what openid-client 6 uses when given a secret; Google accepts both.
   */
  readonly token_endpoint_auth_method?: 'client_secret_post' | 'client_secret_basic';
}

/** Options of {@link createDevIdp}. */
export interface DevIdpOptions {
  /** The issuer URL, e.g. `http://127.0.0.1:8082`; every endpoint is under it. */
  readonly issuer: string;
  readonly clients: readonly DevIdpClient[];
  /** Must be `development` or `test`: the dev IdP refuses to exist in production. */
  readonly appEnv: AppEnv;
  /** The people listed on the login page; defaults to {@link DEV_USERS}. */
  readonly users?: readonly DevUser[];
  /** Permits a non-loopback issuer host (e.g. a compose network). Off by default. */
  readonly allowNonLoopback?: boolean;
  /** Called with internal errors (oidc-provider `server_error`); defaults to a line on stderr. */
  readonly onServerError?: (error: Error) => void;
}

/** A running dev IdP, not yet bound to a socket: mount {@link DevIdp.handler} on an HTTP server. */
export interface DevIdp {
  /** The issuer URL without a trailing slash, as it appears in `iss` and in discovery. */
  readonly issuer: string;
  readonly users: readonly DevUser[];
  /** Serves discovery, JWKS, authorization, token, userinfo and the login pages. */
  readonly handler: RequestListener;
  /** Stops serving: the handler answers 503 afterwards (all state is in memory and goes with it). */
  close(): Promise<void>;
}

/**
 * Creates the dev IdP: a real OpenID Provider (oidc-provider) standing in for Google on loopback.
 * Authorization code flow only, PKCE S256 required, exact redirect URIs, scopes `openid email
 * profile groups`, ID tokens signed RS256 with a key generated at start and carrying `email`,
 * `email_verified`, `name` and `groups`. Login is a page listing the dev users (see
 * `renderLoginPage`); `scriptedLogin` (in `./testing/`) drives it without a browser.
 *
 * @throws DevIdpError `ERR_DEV_IDP_IN_PRODUCTION` when `appEnv` is `production` (and
 *   `ERR_DEV_IDP_APP_ENV` for anything but development or test).
 * @throws TypeError for malformed options.
 *
 * @example
 * const idp = await createDevIdp({
 *   issuer: 'http://127.0.0.1:8082',
 *   clients: [{ client_id: 'mcp-token-service', client_secret: 'dev-secret-change-me',
 *     redirect_uris: ['http://127.0.0.1:8081/auth/callback'] }],
 *   appEnv: 'development',
 * });
 * http.createServer(idp.handler).listen(8082, '127.0.0.1');
 */
export async function createDevIdp(options: DevIdpOptions): Promise<DevIdp> {
  assertDevEnvironment(options.appEnv);
  const issuer = parseIssuer(options.issuer, options.allowNonLoopback === true);
  const users = validateUsers(options.users ?? DEV_USERS);
  const clients = options.clients.map(toClientMetadata);
  if (clients.length === 0) throw new TypeError('createDevIdp: at least one client is required');

  const provider = new Provider(issuer.href.replace(/\/$/, ''), {
    clients,
    jwks: { keys: [await generateSigningKey()] },
    findAccount: (_ctx, sub) => {
      const user = users.find((candidate) => candidate.sub === sub);
      return user && { accountId: user.sub, claims: () => devUserClaims(user) };
    },
    scopes: ['openid'],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name'],
      groups: ['groups'],
    },
    // Put the granted claims in the ID token, as Google does, not only in userinfo.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    responseTypes: ['code'],
    allowOmittingSingleRegisteredRedirectUri: false,
    enabledJWA: { idTokenSigningAlgValues: ['RS256'] },
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      id_token_signed_response_alg: 'RS256',
      token_endpoint_auth_method: 'client_secret_post',
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      userinfo: { enabled: true },
    },
    // Seconds. Short-lived artifacts as at Google: a login page lasts 10 minutes, tokens an hour.
    ttl: {
      Interaction: 600,
      Session: 86_400,
      Grant: 86_400,
      AuthorizationCode: 60,
      AccessToken: 3600,
      IdToken: 3600,
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: {
      // Distinct names: the token service may run oidc-provider on the same host, and browsers
      // share cookies across ports (RFC 6265 §8.5), so default names would collide.
      names: { session: '_dev_idp_session', interaction: '_dev_idp_interaction', resume: '_dev_idp_resume' },
      keys: [randomBytes(32).toString('base64url')],
    },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.set(pageHeaders);
      ctx.body = htmlDocument(
        'Sign-in error',
        `<h1>Sign-in error</h1>\n<p><code>${escapeHtml(out.error)}</code></p>\n` +
          `<p>${escapeHtml(out.error_description ?? '')}</p>`,
      );
    },
  } satisfies Configuration);

  const reportServerError = options.onServerError ?? defaultServerErrorReporter;
  provider.on('server_error', (_ctx, error) => reportServerError(error));

  const providerCallback = provider.callback();
  const interactions = createInteractionHandler({ provider, users, origin: issuer.origin });
  let closed = false;

  const handler: RequestListener = (req: IncomingMessage, res: ServerResponse) => {
    if (closed) {
      res.writeHead(503, { 'content-type': 'text/plain', connection: 'close' }).end('dev IdP closed');
      return;
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const match = interactionPathPattern.exec(path);
    if (match?.[1] === undefined) {
      providerCallback(req, res);
      return;
    }
    interactions(req, res, match[1]).catch((error: unknown) => {
      reportServerError(error instanceof Error ? error : new Error(String(error)));
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
      else res.destroy();
    });
  };

  return {
    issuer: provider.issuer,
    users,
    handler,
    close: async () => {
      closed = true;
    },
  };
}

function parseIssuer(issuer: string, allowNonLoopback: boolean): URL {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new TypeError(`createDevIdp: issuer ${JSON.stringify(issuer)} is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`createDevIdp: issuer ${issuer} must be http(s)`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new TypeError(`createDevIdp: issuer ${issuer} must not have a query, fragment or credentials`);
  }
  if (!allowNonLoopback && !isLoopbackHost(url.hostname)) {
    throw new DevIdpError('ERR_DEV_IDP_NOT_LOOPBACK', `issuer host ${url.hostname}`);
  }
  return url;
}

function validateUsers(users: readonly DevUser[]): readonly DevUser[] {
  if (users.length === 0) throw new TypeError('createDevIdp: at least one user is required');
  const subs = new Set(users.map((user) => user.sub));
  const emails = new Set(users.map((user) => user.email.toLowerCase()));
  if (subs.size !== users.length || emails.size !== users.length) {
    throw new TypeError('createDevIdp: user subs and emails must be unique');
  }
  return users;
}

function toClientMetadata(client: DevIdpClient): ClientMetadata {
  if (client.client_id === '' || client.client_secret === '') {
    throw new TypeError('createDevIdp: every client needs a client_id and a client_secret');
  }
  if (client.redirect_uris.length === 0) {
    throw new TypeError(`createDevIdp: client ${client.client_id} needs at least one redirect URI`);
  }
  return {
    client_id: client.client_id,
    client_secret: client.client_secret,
    redirect_uris: [...client.redirect_uris],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: client.token_endpoint_auth_method ?? 'client_secret_post',
  };
}

function defaultServerErrorReporter(error: Error): void {
  process.stderr.write(`dev-idp: internal error: ${error.stack ?? error.message}\n`);
}
