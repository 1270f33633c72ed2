import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import { errorCodes } from '../../../shared/errors/index.js';
import { callbackPaths, type LoginFailureCode, type LoginFlow } from '../upstream/login-flow.js';
import { renderLoginFailedPage } from '../upstream/login-pages.js';
import type { AccountStore } from './account-store.js';
import { oauthRoutes } from './create-authorization-server.js';
import { decideGrantedScopes, finishWithError, finishWithGrant } from './grant-policy-scopes.js';
import { htmlPageHeaders } from './html-page.js';

interface Options {
  readonly provider: Provider;
  readonly flow: LoginFlow;
  readonly accounts: AccountStore;
  readonly resourceUrl: string;
}

type Interaction = InstanceType<Provider['Interaction']>;

/**
 * The user-facing half of an MCP client's authorization: oidc-provider sends the browser to
 * `/oauth/interaction/<uid>`, which signs the user in at the upstream IdP (or, for a user already
 * signed in this session, re-evaluates policy), and `/oauth/upstream/callback` maps the identity to
 * scopes and finishes login and consent without a consent screen: policy, not the user, decides.
 */
export async function interactionRoutes(app: FastifyInstance, options: Options): Promise<void> {
  const { provider, flow, accounts } = options;

  app.get<{ Params: { uid: string } }>(`${oauthRoutes.interaction}/:uid`, async (request, reply) => {
    let interaction: Interaction;
    try {
      interaction = await provider.interactionDetails(request.raw, reply.raw);
    } catch {
      return refuse(request, reply, undefined, {
        code: 'ERR_LOGIN_EXPIRED',
        message: 'this authorization request is unknown or expired; start again from the application',
      });
    }
    const clientId = String(interaction.params.client_id);
    if (interaction.uid !== request.params.uid) {
      return refuse(
        request,
        reply,
        undefined,
        { code: 'ERR_LOGIN_EXPIRED', message: 'this authorization request does not belong to this browser' },
        clientId,
      );
    }
    const accountId = interaction.session?.accountId;
    const known =
      interaction.prompt.name === 'consent' && accountId !== undefined
        ? await accounts.get(accountId)
        : undefined;
    if (known === undefined) {
      return flow.begin(reply, { kind: 'interaction', uid: interaction.uid, clientId });
    }
    const user = {
      subject: known.subject,
      identity: known.identity,
      email: known.email,
      scopes: flow.scopesFor(known.identity),
    };
    if (user.scopes.length === 0) {
      const failure = {
        code: 'ERR_LOGIN_NO_POLICY_MATCH' as const,
        message: `the active policy grants ${user.subject} no access`,
        subject: user.subject,
      };
      return refuse(request, reply, interaction, failure, clientId);
    }
    return grant(request, reply, interaction, user);
  });

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
    return grant(request, reply, interaction, outcome.user);
  });

  async function grant(
    request: FastifyRequest,
    reply: FastifyReply,
    interaction: Interaction,
    user: Parameters<LoginFlow['recordSuccess']>[1],
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
    await flow.recordSuccess(request, user, clientId, decision.scopes);
    const returnTo = await finishWithGrant(provider, interaction, {
      subject: user.subject,
      scopes: decision.scopes,
      defaultResource: options.resourceUrl,
    });
    return reply.header('cache-control', 'no-store').redirect(returnTo, 303);
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
