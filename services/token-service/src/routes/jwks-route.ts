import type { FastifyInstance } from 'fastify';
import type { SigningKeys } from '../../../shared/auth/index.js';

/** The public signing keys (RFC 7517), old keys included until their tokens have expired. */
export async function jwksRoute(app: FastifyInstance, options: { keys: SigningKeys }): Promise<void> {
  app.get('/.well-known/jwks.json', async (_request, reply) =>
    reply
      .header('content-type', 'application/jwk-set+json')
      .header('cache-control', 'public, max-age=300')
      .send(options.keys.publicJwks()),
  );
}
