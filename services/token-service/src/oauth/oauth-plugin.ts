import type { FastifyInstance } from 'fastify';
import type Provider from 'oidc-provider';

/**
 * The client address fastify resolved for each request handed to oidc-provider: koa's `ctx.ip` is
 * the proxy's address behind the ingress (or, with koa's `proxy` on, whatever X-Forwarded-For
 * claims), while fastify applies `TRUST_PROXY`.
 */
const clientAddresses = new WeakMap<object, string>();

/** The client address of a request {@link oauthProviderRoutes} handed to oidc-provider (`ctx.req`). */
export function clientAddressOf(raw: object): string | undefined {
  return clientAddresses.get(raw);
}

/**
 * Hands the authorization server's paths to oidc-provider: everything under `/oauth/` (except the
 * interaction and upstream callback routes, which fastify matches first as static paths) and the
 * RFC 8414 / OpenID discovery documents at the issuer's well-known locations. Request bodies are
 * left unread, so oidc-provider parses them itself.
 */
export async function oauthProviderRoutes(
  app: FastifyInstance,
  options: { provider: Provider },
): Promise<void> {
  const callback = options.provider.callback();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
  const handler = async (
    request: { raw: Parameters<typeof callback>[0]; ip: string },
    reply: { hijack(): void; raw: Parameters<typeof callback>[1] },
  ) => {
    clientAddresses.set(request.raw, request.ip);
    reply.hijack();
    await callback(request.raw, reply.raw);
  };
  app.all('/oauth/*', handler);
  for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
    app.route({ method: ['GET', 'OPTIONS'], url: path, handler });
  }
}
