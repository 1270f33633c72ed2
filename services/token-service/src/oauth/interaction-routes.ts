import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import { errorCodes } from '../../../shared/errors/index.js';
import {
  callbackPaths,
  type LoginFailureCode,
  type LoginFlow,
  type SignedInUser,
} from '../upstream/login-flow.js';
import { renderLoginFailedPage } from '../upstream/login-pages.js';
import type { AccountStore } from './account-store.js';
import { isLoopbackHost } from './client-registration-policy.js';
import { consentPageHeaders, renderConsentPage } from './consent-page.js';
import { oauthRoutes } from './create-authorization-server.js';
import {
  decideGrantedScopes,
  finishWithError,
  finishWithGrant,
  finishWithLogin,
} from './grant-policy-scopes.js';
import { htmlPageHeaders } from './html-page.js';

interface Options {
  readonly provider: Provider;
  readonly flow: LoginFlow;
  readonly accounts: AccountStore;
  readonly resourceUrl: string;
  /** The token service's own origin: a consent form posted from elsewhere is refused. */
  readonly issuerOrigin: string;
}

type Interaction = InstanceType<Provider['Interaction']>;

/**
 * The user-facing half of an MCP client's authorization: oidc-provider sends the browser to
 * `/oauth/interaction/<uid>`, which signs the user in at the upstream IdP (or, for a user already
 * signed in this session, re-evaluates policy), and `/oauth/upstream/callback` maps the identity to
 * scopes. Policy, not the user, decides the scopes. A client whose redirect URI is on the user's
 * own machine (loopback, as Claude Code and `mcp-token` use) gets its code at once; any other
 * client only after the user, signed in, allows it on a consent page naming the client and where
 * the code goes (`POST /oauth/interaction/<uid>/consent`).
 */
export async function interactionRoutes(app: FastifyInstance, options: Options): Promise<void> {
  const { provider, flow, accounts } = options;
  // The consent form's body (this plugin's routes only).
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 4_096 },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  );

  app.get<{ Params: { uid: string } }>(`${oauthRoutes.interaction}/:uid`, async (request, reply) => {
    const opened = await openInteraction(request, reply);
    if (!('interaction' in opened)) return opened.refused;
    const { interaction, clientId } = opened;
    const known = await sessionUser(interaction);
    if (known === undefined) {
      return flow.begin(reply, { kind: 'interaction', uid: interaction.uid, clientId });
    }
    if (known.scopes.length === 0) {
      const failure = {
        code: 'ERR_LOGIN_NO_POLICY_MATCH' as const,
        message: `the active policy grants ${known.subject} no access`,
        subject: known.subject,
      };
      return refuse(request, reply, interaction, failure, clientId);
    }
    return grant(request, reply, interaction, known, { consented: false, signedInNow: false });
  });

  app.post<{ Params: { uid: string }; Body: Record<string, string> | undefined }>(
    `${oauthRoutes.interaction}/:uid/consent`,
    async (request, reply) => {
      const opened = await openInteraction(request, reply);
      if (!('interaction' in opened)) return opened.refused;
      const { interaction, clientId } = opened;
      const known = await sessionUser(interaction);
      // Browsers send `Origin: null` where the referrer policy withholds it; any real origin must be
      // this service's. The interaction cookie (SameSite=Lax) and the uid are what bind the form.
      const origin = request.headers.origin;
      if (
        known === undefined ||
        (origin !== undefined && origin !== 'null' && origin !== options.issuerOrigin)
      ) {
        return refuse(
          request,
          reply,
          interaction,
          { code: 'ERR_LOGIN_EXPIRED', message: 'this consent does not belong to a sign-in in this browser' },
          clientId,
        );
      }
      if (request.body?.decision !== 'allow') {
        // The user's own answer: recorded, and the client gets access_denied at once (no error page).
        const failure = {
          code: 'ERR_LOGIN_CONSENT_DENIED' as const,
          message: `${known.subject} did not allow ${clientId}`,
          subject: known.subject,
          email: known.email,
        };
        await flow.recordFailure(request, failure, clientId);
        const returnTo = await finishWithError(interaction, `${failure.code}: ${failure.message}`);
        return reply.header('cache-control', 'no-store').redirect(returnTo, 303);
      }
      return grant(request, reply, interaction, known, { consented: true, signedInNow: false });
    },
  );

  app.get(callbackPaths.interaction, async (request, reply) => {
    const outcome = await flow.complete(request, reply, 'interaction');
    const interaction =
      outcome.tx?.uid === undefined ? undefined : await provider.Interaction.find(outcome.tx.uid);
    const clientId = outcome.tx?.clientId;
    if (!outcome.ok) return refuse(request, reply, interaction, outcome, clientId);
    if (interaction === undefined) {
      return refuse(
        request,
        reply,
        undefined,
        {
          code: 'ERR_LOGIN_EXPIRED',
          message: 'the authorization request expired during sign-in; start again from the application',
        },
        clientId,
      );
    }
    await accounts.remember({
      subject: outcome.user.subject,
      identity: outcome.user.identity,
      email: outcome.user.email,
      signedInAt: new Date(),
    });
    return grant(request, reply, interaction, outcome.user, { consented: false, signedInNow: true });
  });

  async function grant(
    request: FastifyRequest,
    reply: FastifyReply,
    interaction: Interaction,
    user: SignedInUser,
    { consented, signedInNow }: { consented: boolean; signedInNow: boolean },
  ): Promise<FastifyReply> {
    const clientId = String(interaction.params.client_id);
    const requested = typeof interaction.params.scope === 'string' ? interaction.params.scope.split(' ') : [];
    const decision = decideGrantedScopes(requested, user.scopes);
    if (!decision.ok) {
      const failure = {
        code: 'ERR_LOGIN_SCOPE_NOT_ALLOWED' as const,
        message: `policy does not grant ${user.subject} ${decision.requested.join(' ')}`,
        subject: user.subject,
        email: user.email,
      };
      return refuse(request, reply, interaction, failure, clientId);
    }
    const redirectUri = String(interaction.params.redirect_uri);
    if (!consented && !isLoopbackRedirect(redirectUri)) {
      // The code would leave this machine: the user must see who asks and say yes (an open
      // registration lets anyone register a client, then send a signed-in user its link).
      if (signedInNow || interaction.prompt.name !== 'consent') {
        // Signed in at the IdP just now: end the login step only; oidc-provider comes back here
        // with the session for its consent step, the one step the consent form can finish.
        return reply
          .header('cache-control', 'no-store')
          .redirect(await finishWithLogin(interaction, user.subject), 303);
      }
      const client = await provider.Client.find(clientId);
      return reply
        .code(200)
        .headers(consentPageHeaders(redirectUri))
        .send(
          renderConsentPage({
            action: `${oauthRoutes.interaction}/${interaction.uid}/consent`,
            clientName: typeof client?.clientName === 'string' ? client.clientName : undefined,
            clientId,
            redirectUri,
            subject: user.subject,
            scopes: decision.scopes,
          }),
        );
    }
    await flow.recordSuccess(request, user, clientId, decision.scopes);
    const returnTo = await finishWithGrant(provider, interaction, {
      subject: user.subject,
      scopes: decision.scopes,
      defaultResource: options.resourceUrl,
    });
    return reply.header('cache-control', 'no-store').redirect(returnTo, 303);
  }

  /** The interaction of this browser named by the URL, or the refusal already sent. */
  async function openInteraction(
    request: FastifyRequest<{ Params: { uid: string } }>,
    reply: FastifyReply,
  ): Promise<{ interaction: Interaction; clientId: string } | { refused: FastifyReply }> {
    let interaction: Interaction;
    try {
      interaction = await provider.interactionDetails(request.raw, reply.raw);
    } catch {
      return {
        refused: await refuse(request, reply, undefined, {
          code: 'ERR_LOGIN_EXPIRED',
          message: 'this authorization request is unknown or expired; start again from the application',
        }),
      };
    }
    const clientId = String(interaction.params.client_id);
    if (interaction.uid !== request.params.uid) {
      return {
        refused: await refuse(
          request,
          reply,
          undefined,
          {
            code: 'ERR_LOGIN_EXPIRED',
            message: 'this authorization request does not belong to this browser',
          },
          clientId,
        ),
      };
    }
    return { interaction, clientId };
  }

  /** The user this browser's session signed in, once oidc-provider asks for consent. */
  async function sessionUser(interaction: Interaction): Promise<SignedInUser | undefined> {
    const accountId = interaction.session?.accountId;
    if (interaction.prompt.name !== 'consent' || accountId === undefined) return undefined;
    const known = await accounts.get(accountId);
    if (known === undefined) return undefined;
    return {
      subject: known.subject,
      identity: known.identity,
      email: known.email,
      scopes: flow.scopesFor(known.identity),
    };
  }

  /**
   * Records `login.failed`, ends the interaction with `access_denied` for the waiting client (when
   * there is one), and shows the user why.
   */
  async function refuse(
    request: FastifyRequest,
    reply: FastifyReply,
    interaction: Interaction | undefined,
    failure: {
      code: LoginFailureCode;
      message: string;
      email?: string | undefined;
      subject?: string | undefined;
    },
    clientId?: string,
  ): Promise<FastifyReply> {
    await flow.recordFailure(request, failure, clientId);
    const returnTo = interaction
      ? await finishWithError(interaction, `${failure.code}: ${failure.message}`)
      : undefined;
    return reply
      .code(errorCodes[failure.code].status)
      .headers(htmlPageHeaders)
      .send(renderLoginFailedPage({ ...failure, returnTo }));
  }
}

/** A redirect URI on the user's own machine (RFC 8252 §7.3): `http:` to a loopback address. */
function isLoopbackRedirect(redirectUri: string): boolean {
  const url = URL.parse(redirectUri);
  return url !== null && url.protocol === 'http:' && isLoopbackHost(url.hostname);
}
