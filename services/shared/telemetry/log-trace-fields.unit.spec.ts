import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { bindTraceToLogger, logTraceFields } from './trace-context.js';

describe('logTraceFields with bindTraceToLogger (SDK off)', () => {
  it("stamps every later line of a request with the trace bound to that request's logger, and no other request's", async () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
        done();
      },
    });
    const app = Fastify({ logger: { level: 'info', mixin: logTraceFields, stream } });
    app.get('/bound', async (request) => {
      bindTraceToLogger(request.log, { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) });
      request.log.info('bound line');
      return {};
    });
    app.get('/plain', async (request) => {
      request.log.info('plain line');
      return {};
    });
    await app.inject('/bound');
    await app.inject('/plain');
    await app.close();
    expect(lines.find((line) => line.msg === 'bound line')).toMatchObject({
      trace_id: 'a'.repeat(32),
      span_id: 'b'.repeat(16),
    });
    expect(lines.find((line) => line.msg === 'plain line')).not.toHaveProperty('trace_id');
  });
});
