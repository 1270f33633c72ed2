import type { FastifyInstance } from 'fastify';
import { errorCodes } from '../../../shared/errors/index.js';
import { htmlPageHeaders } from '../oauth/html-page.js';
import { type IssuerContext, issueAccessToken } from '../tokens/issue-access-token.js';
import { callbackPaths, type LoginFlow, sourceOf, traceOf } from './login-flow.js';
import { renderLoginFailedPage, renderTokenPage } from './login-pages.js';
import { safeNext } from './safe-next.js';

interface Options {
  readonly flow: LoginFlow;
  readonly issuer: IssuerContext;
  readonly ttlSeconds: number;
  readonly issuerUrl: string;
  readonly mcpUrl: string;
}

/** The client id the simple browser flow's tokens carry. */
export const browserClientId = 'mcp-token-browser';

/**
 * The simple browser flow: `GET /auth/login` sends the user to the IdP, `GET /auth/callback` shows
 * them an access token for the scopes policy grants, and how to give it to Claude Code.
 */
export async function browserLoginRoutes(app: FastifyInstance, options: Options): Promise<void> {
  const { flow } = options;

  app.get<{ Querystring: { next?: string } }>('/auth/login', async (request, reply) =>
    flow.begin(reply, { kind: 'browser', next: safeNext(request.query.next, options.issuerUrl) }),
  );

  app.get(callbackPaths.browser, async (request, reply) => {
    const outcome = await flow.complete(request, reply, 'browser');
    if (!outcome.ok) {
      await flow.recordFailure(request, outcome, browserClientId);
      return reply
        .code(errorCodes[outcome.code].status)
        .headers(htmlPageHeaders)
        .send(renderLoginFailedPage(outcome));
    }
    const { user } = outcome;
    await flow.recordSuccess(request, user, browserClientId, user.scopes);
    const issued = await issueAccessToken(options.issuer, {
      subject: user.subject,
      scopes: user.scopes,
      clientId: browserClientId,
      ttlSeconds: options.ttlSeconds,
      issuedVia: 'browser_login',
      trace: traceOf(request),
      source: sourceOf(request),
    });
    return reply.headers(htmlPageHeaders).send(
      renderTokenPage({
        subject: user.subject,
        scopes: issued.scopes,
        policyVersion: options.issuer.policy.version,
        expiresAt: issued.expiresAt,
        accessToken: issued.accessToken,
        mcpUrl: options.mcpUrl,
        next: outcome.tx.next,
      }),
    );
  });
}
