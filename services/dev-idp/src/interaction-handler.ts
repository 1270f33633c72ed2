import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { errors } from 'oidc-provider';
import { DevIdpError } from './dev-idp-error.js';
import type { DevUser } from './dev-users.js';
import { sendPage } from './html-page.js';
import { renderErrorPage, renderLoginPage } from './login-page.js';
import { readFormBody } from './read-form-body.js';

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

/** Where oidc-provider sends the browser for a prompt (`interactions.url`); the uid is one path segment. */
export const interactionPathPattern = /^\/interaction\/([A-Za-z0-9_-]+)\/?$/;

/** What {@link createInteractionHandler} needs. */
export interface InteractionHandlerOptions {
  readonly provider: Provider;
  readonly users: readonly DevUser[];
  /** The issuer's origin: a form POST carrying another `Origin` is refused. */
  readonly origin: string;
}

/**
 * Handles `/interaction/<uid>`: GET renders the login page (or, for a consent prompt after login,
 * grants what the client asked for and continues); POST finishes the login as `user=<email>`, or
 * with `action=deny` returns `error=access_denied` to the client (RFC 6749 §4.1.2.1).
 *
 * Each uid is accepted once: oidc-provider ties it to a `SameSite=Lax` cookie, a submitted form
 * stores a result that a second POST is refused on, and resuming the flow deletes the interaction.
 */
export function createInteractionHandler(
  options: InteractionHandlerOptions,
): (req: IncomingMessage, res: ServerResponse, uid: string) => Promise<void> {
  const { provider, users, origin } = options;

  async function load(req: IncomingMessage, res: ServerResponse, uid: string): Promise<Interaction> {
    let interaction: Interaction;
    try {
      interaction = await provider.interactionDetails(req, res);
    } catch (error) {
      if (error instanceof errors.SessionNotFound) throw new DevIdpError('ERR_INTERACTION_NOT_FOUND');
      throw error;
    }
    // oidc-provider finds the interaction by cookie alone; the uid in the URL must name the same one.
    if (interaction.uid !== uid) throw new DevIdpError('ERR_INTERACTION_MISMATCH');
    if (interaction.result !== undefined) throw new DevIdpError('ERR_INTERACTION_USED');
    return interaction;
  }

  async function show(req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> {
    const interaction = await load(req, res, uid);
    if (interaction.prompt.name === 'login') {
      sendPage(
        res,
        200,
        renderLoginPage({
          uid: interaction.uid,
          clientId: stringParam(interaction, 'client_id'),
          scopes: stringParam(interaction, 'scope').split(' ').filter(Boolean),
          users,
        }),
      );
      return;
    }
    if (interaction.prompt.name === 'consent') {
      // The user signed in a step ago in this browser; like Google for a first-party app, the dev
      // IdP grants the openid scopes and claims the registered client asked for without a screen.
      redirect(
        res,
        await provider.interactionResult(req, res, {
          consent: { grantId: await grantRequested(interaction) },
        }),
      );
      return;
    }
    throw new DevIdpError('ERR_INTERACTION_PROMPT', `unsupported prompt ${interaction.prompt.name}`);
  }

  async function submit(req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> {
    const requestOrigin = req.headers.origin;
    if (requestOrigin !== undefined && requestOrigin !== origin)
      throw new DevIdpError('ERR_ORIGIN_NOT_ALLOWED');
    const form = await readFormBody(req);
    const interaction = await load(req, res, uid);
    if (interaction.prompt.name !== 'login') throw new DevIdpError('ERR_INTERACTION_PROMPT');
    if (form.get('action') === 'deny') {
      const returnTo = await provider.interactionResult(
        req,
        res,
        { error: 'access_denied', error_description: 'The user denied the sign-in' },
        { mergeWithLastSubmission: false },
      );
      redirect(res, returnTo);
      return;
    }
    const email = form.get('user');
    if (email === null || email === '') throw new DevIdpError('ERR_FORM_INVALID', 'choose a user or Deny');
    const user = users.find((candidate) => candidate.email.toLowerCase() === email.toLowerCase());
    if (user === undefined) throw new DevIdpError('ERR_USER_UNKNOWN');
    const returnTo = await provider.interactionResult(
      req,
      res,
      { login: { accountId: user.sub, amr: ['pwd'] } },
      { mergeWithLastSubmission: false },
    );
    redirect(res, returnTo);
  }

  async function grantRequested(interaction: Interaction): Promise<string> {
    const accountId = interaction.session?.accountId;
    if (accountId === undefined) throw new DevIdpError('ERR_INTERACTION_PROMPT', 'consent without a session');
    const grant =
      (interaction.grantId === undefined ? undefined : await provider.Grant.find(interaction.grantId)) ??
      new provider.Grant({ accountId, clientId: stringParam(interaction, 'client_id') });
    const { details } = interaction.prompt;
    if (Array.isArray(details.missingOIDCScope)) grant.addOIDCScope(details.missingOIDCScope.map(String));
    if (Array.isArray(details.missingOIDCClaims)) grant.addOIDCClaims(details.missingOIDCClaims.map(String));
    const resourceScopes = details.missingResourceScopes;
    if (typeof resourceScopes === 'object' && resourceScopes !== null) {
      for (const [resource, scopes] of Object.entries(resourceScopes)) {
        if (Array.isArray(scopes)) grant.addResourceScope(resource, scopes.map(String));
      }
    }
    return grant.save();
  }

  return async (req, res, uid) => {
    try {
      if (req.method === 'GET' || req.method === 'HEAD') await show(req, res, uid);
      else if (req.method === 'POST') await submit(req, res, uid);
      else {
        res.setHeader('allow', 'GET, HEAD, POST');
        throw new DevIdpError('ERR_METHOD_NOT_ALLOWED');
      }
    } catch (error) {
      if (!(error instanceof DevIdpError)) throw error;
      if (!res.headersSent) {
        res.setHeader('connection', 'close');
        sendPage(res, error.status, renderErrorPage('Sign-in refused', error.message));
      }
    }
  };
}

function stringParam(interaction: Interaction, name: string): string {
  const value = interaction.params[name];
  return typeof value === 'string' ? value : '';
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location, 'cache-control': 'no-store', 'content-length': '0' });
  res.end();
}
