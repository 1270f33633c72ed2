import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../shared/event-store/events.js';
import { installErrorHandler } from '../../../shared/http/index.js';
import type { ApiAuthenticator } from '../api-auth/api-authenticator.js';
import { revocationRoutes, type SubjectGrants } from './revocation-routes.js';

/** The route alone, with a stand-in authenticator (every caller has tokens:revoke). */
async function routeWith(grants: SubjectGrants, steps: string[]) {
  const app = Fastify();
  installErrorHandler(app);
  const apiAuth = {
    requireScope: () => async (request: { apiCaller?: unknown }) => {
      request.apiCaller = {
        subject: 'security@example.com',
        clientId: 'admin',
        tokenId: 'jti-admin',
        scopes: new Set(['tokens:revoke']),
        trace: { traceId: '0'.repeat(31).concat('1'), spanId: '0'.repeat(15).concat('1') },
        source: { address: '10.0.0.1' },
      };
    },
  } as unknown as ApiAuthenticator;
  await app.register(revocationRoutes, {
    apiAuth,
    append: async (events: AuditEvent | readonly AuditEvent[]) => {
      steps.push('event committed');
      return (Array.isArray(events) ? events : [events]).map((_, i) => ({
        eventId: `e${i}`,
        globalPosition: '1',
      }));
    },
    instanceId: 'ts-test',
    policy: { id: 'tools', version: '2', hash: 'a'.repeat(64) },
    grants,
    now: () => new Date('2026-11-30T12:00:00.000Z'),
  });
  return app;
}

const revokeAlice = {
  method: 'POST',
  url: '/admin/revocations',
  payload: { subject: 'alice@example.com' },
} as const;

describe('revoking a subject', () => {
  it('ends its grants before recording the cut-off, which covers a second of issuance in flight', async () => {
    const steps: string[] = [];
    const app = await routeWith(
      {
        revokeSubject: async () => {
          steps.push('grants ended');
          return {
            grants: 2,
            sessions: 1,
            forgetFamilies: async () => {
              steps.push('families forgotten');
            },
          };
        },
      },
      steps,
    );
    const response = await app.inject(revokeAlice);
    expect(response.statusCode).toBe(200);
    expect(steps).toEqual(['grants ended', 'event committed', 'families forgotten']);
    expect(response.json().revoked).toMatchObject({
      revoked_before: '2026-11-30T12:00:01.000Z',
      grants_revoked: 2,
      sessions_ended: 1,
    });
  });

  it('records nothing when the grants cannot be ended, so the caller retries the whole revocation', async () => {
    const steps: string[] = [];
    const app = await routeWith(
      {
        revokeSubject: async () => {
          throw new Error('database unavailable');
        },
      },
      steps,
    );
    const response = await app.inject(revokeAlice);
    expect(response.statusCode).toBe(500);
    expect(steps).toEqual([]);
  });
});
