import type { FastifyInstance } from 'fastify';

/**
 * RFC 9728 metadata for the token service's own APIs: the resource is the issuer URL itself, so a
 * client asks the authorization server for `resource=<issuer>` to get an audit or revocation token.
 */
export async function protectedApiMetadataRoute(
  app: FastifyInstance,
  options: { issuerUrl: string },
): Promise<void> {
  const metadata = Object.freeze({
    resource: options.issuerUrl,
    authorization_servers: [options.issuerUrl],
    scopes_supported: ['audit:read', 'tokens:revoke'],
    bearer_methods_supported: ['header'],
    resource_name: 'MCP token service APIs (audit, revocation)',
  });
  app.get('/.well-known/oauth-protected-resource', async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=300').send(metadata),
  );
}
