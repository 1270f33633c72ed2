import type { FastifyInstance } from 'fastify';
import { scopes } from '../../../shared/auth/index.js';

interface Options {
  readonly resourceUrl: string;
  readonly authorizationServer: string;
}

/**
 * RFC 9728 protected resource metadata, at the path-inserted location for the `/mcp` resource and
 * at the root location that clients fall back to.
 */
export async function protectedResourceRoute(app: FastifyInstance, options: Options): Promise<void> {
  const metadata = Object.freeze({
    resource: options.resourceUrl,
    authorization_servers: [options.authorizationServer.replace(/\/$/, '')],
    scopes_supported: [...scopes],
    bearer_methods_supported: ['header'],
    resource_name: 'MCP documents server',
  });
  const resourcePath = new URL(options.resourceUrl).pathname.replace(/\/$/, '');
  const paths = new Set([
    '/.well-known/oauth-protected-resource',
    `/.well-known/oauth-protected-resource${resourcePath}`,
  ]);
  for (const url of paths) {
    app.get(url, async (_request, reply) =>
      reply.header('cache-control', 'public, max-age=300').send(metadata),
    );
  }
}
