import type { FastifyInstance } from 'fastify';

/** The named checks behind `/ready`; each returns true when that dependency is usable. */
export type ReadinessChecks = Readonly<Record<string, () => boolean>>;

/** `GET /health`: the process is alive. `GET /ready`: every readiness check passes (else 503). */
export async function healthRoute(app: FastifyInstance, options: { checks: ReadinessChecks }): Promise<void> {
  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/ready', async (_request, reply) => {
    const checks = Object.fromEntries(
      Object.entries(options.checks).map(([name, check]) => [name, safe(check)]),
    );
    const ready = Object.values(checks).every(Boolean);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });
}

function safe(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}
