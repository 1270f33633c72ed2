import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../../shared/errors/index.js';
import { requestTrace } from '../../../shared/telemetry/index.js';
import { type IssuerContext, issueAccessToken } from '../tokens/issue-access-token.js';

interface Options {
  readonly issuer: IssuerContext;
  /** Secret from the local data directory: whoever can read it could read the signing key too. */
  readonly adminSecret: Buffer;
  readonly maxTtlSeconds: number;
  /** Audiences a dev token may be minted for: the MCP server and this service's own APIs. */
  readonly audiences: readonly string[];
}

interface DevTokenBody {
  sub: string;
  scope?: string;
  ttl_seconds?: number;
  resource?: string;
}

/**
 * `POST /dev/tokens`: mints a token for `npm run token` while the service holds the embedded
 * database. Local development only (never registered in production); authenticated by the local
 * admin secret, and recorded as `token.issued` like any other token.
 */
export async function devTokensRoute(app: FastifyInstance, options: Options): Promise<void> {
  app.post<{ Body: DevTokenBody }>(
    '/dev/tokens',
    {
      schema: {
        body: {
          type: 'object',
          required: ['sub'],
          additionalProperties: false,
          properties: {
            sub: { type: 'string', minLength: 1, maxLength: 256 },
            scope: { type: 'string', maxLength: 1024 },
            ttl_seconds: { type: 'integer', minimum: 1, maximum: options.maxTtlSeconds },
            resource: { type: 'string', enum: [...options.audiences] },
          },
        },
      },
    },
    async (request, reply) => {
      const presented = Buffer.from(String(request.headers['x-dev-admin-secret'] ?? ''), 'base64');
      if (
        presented.length !== options.adminSecret.length ||
        !timingSafeEqual(presented, options.adminSecret)
      ) {
        throw new AppError('ERR_TOKEN_MISSING', 'a valid x-dev-admin-secret header is required');
      }
      const { sub, scope = '', ttl_seconds: ttlSeconds = 900, resource } = request.body;
      const issued = await issueAccessToken(
        { ...options.issuer, audience: resource ?? options.issuer.audience },
        {
          subject: sub,
          scopes: scope.split(' ').filter((s) => s !== ''),
          clientId: 'mcp-token-dev',
          ttlSeconds,
          issuedVia: 'dev-token-command',
          trace: requestTrace(request.headers.traceparent),
          source: { address: request.ip, userAgent: request.headers['user-agent'] },
        },
      );
      return reply.code(201).send({
        access_token: issued.accessToken,
        token_type: 'Bearer',
        expires_in: ttlSeconds,
        scope: issued.scopes.join(' '),
        jti: issued.tokenId,
      });
    },
  );
}
