import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { installAccessLog, quietRequestLogging } from './access-log.js';
import { installErrorHandler } from './error-handler.js';

interface Line {
  level: number;
  msg: string;
  [key: string]: unknown;
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function appLoggingTo(lines: Line[]): Promise<FastifyInstance> {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const text of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(text));
      done();
    },
  });
  const instance = Fastify({ logger: { level: 'debug', stream }, logController: quietRequestLogging() });
  installErrorHandler(instance);
  installAccessLog(instance);
  instance.get('/auth/callback', async () => ({ ok: true }));
  instance.post('/audit/events', async (_request, reply) =>
    reply.code(401).send({ error: 'ERR_TOKEN_MISSING' }),
  );
  instance.get('/boom', async () => {
    throw new Error('database exploded');
  });
  instance.get('/health', async () => ({ status: 'ok' }));
  await instance.ready();
  return instance;
}

describe('access log', () => {
  it('writes one line per request with the route pattern, never the query string', async () => {
    const lines: Line[] = [];
    app = await appLoggingTo(lines);
    const response = await app.inject({ method: 'GET', url: '/auth/callback?code=SECRET-CODE&state=s' });
    expect(response.statusCode).toBe(200);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 30,
        msg: 'request completed',
        httpMethod: 'GET',
        route: '/auth/callback',
        status: 200,
        durationMs: expect.any(Number),
      }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('SECRET-CODE');
  });

  it('writes a refused request (401) at debug and probes not at all, and still logs errors', async () => {
    const lines: Line[] = [];
    app = await appLoggingTo(lines);
    await app.inject({ method: 'POST', url: '/audit/events' });
    await app.inject({ method: 'GET', url: '/health' });
    await app.inject({ method: 'GET', url: '/boom' });
    expect(lines.filter((line) => line.route === '/audit/events')).toEqual([
      expect.objectContaining({ level: 20, status: 401 }),
    ]);
    expect(lines.some((line) => line.route === '/health')).toBe(false);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 50, err: expect.objectContaining({ message: 'database exploded' }) }),
    );
    expect(lines).toContainEqual(expect.objectContaining({ level: 30, route: '/boom', status: 500 }));
    expect(lines.some((line) => line.msg === 'incoming request')).toBe(false);
  });
});
