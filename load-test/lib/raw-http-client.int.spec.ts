import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { McpHttpClient } from './mcp-http-client.js';
import { RawMcpClient } from './raw-http-client.js';

const result = '{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"hi"}]}}';
const call = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","arguments":{}}}';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A real HTTP server answering with `respond`; counts the connections it accepted. */
async function serve(respond: (seen: Seen, res: ServerResponse) => void) {
  const seen: Seen[] = [];
  let connections = 0;
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      const one = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      seen.push(one);
      respond(one, res);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/mcp?x=1`, seen, connections: () => connections };
}

/** A JSON answer with a content-length, as fastify sends one. */
const json = (res: ServerResponse, body = result, status = 200) =>
  res
    .writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
    .end(body);

describe('RawMcpClient', () => {
  it('sends what McpHttpClient sends, classifies the answer alike, and reuses one connection', async () => {
    const target = await serve((_, res) => json(res));
    const options = { token: 'tok', protocolVersion: '2025-11-25', headers: { 'x-extra': 'y' } };
    const undici = new McpHttpClient({ url: target.url, connections: 1 });
    const expected = await undici.send(call, options);
    await undici.close();
    const before = target.connections();

    const raw = new RawMcpClient({ url: target.url, connections: 1 });
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push(await raw.send(call, options));
    await raw.close();

    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ kind: 'ok', status: 200, label: 'ok', message: expected.message });
    }
    expect(target.connections() - before).toBe(1);
    const [fromUndici, ...fromRaw] = target.seen;
    for (const one of fromRaw) {
      expect(one.method).toBe('POST');
      expect(one.url).toBe('/mcp?x=1');
      expect(one.body).toBe(call);
      for (const name of ['authorization', 'content-type', 'accept', 'mcp-protocol-version', 'x-extra']) {
        expect(one.headers[name], name).toBe(fromUndici!.headers[name]);
      }
      expect(one.headers['content-length']).toBe(String(Buffer.byteLength(call)));
    }
  });

  it('reads a chunked answer that arrives in pieces, and error statuses', async () => {
    const target = await serve((seen, res) => {
      if (seen.body.includes('fail')) {
        json(res, '{"error":"ERR_AUDIT_UNAVAILABLE","message":"x"}', 503);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(result.slice(0, 10));
      setTimeout(() => res.end(result.slice(10)), 20);
    });
    const raw = new RawMcpClient({ url: target.url, connections: 1 });
    expect(await raw.send(call)).toMatchObject({ kind: 'ok', message: JSON.parse(result) });
    expect(await raw.send('{"fail":true}')).toMatchObject({
      kind: 'http',
      label: 'http 503 ERR_AUDIT_UNAVAILABLE',
    });
    expect(await raw.send(call)).toMatchObject({ kind: 'ok' });
    await raw.close();
    expect(target.connections()).toBe(1);
  });

  it('opens a new connection after `connection: close`, and shares connections among senders', async () => {
    const target = await serve((seen, res) => {
      if (seen.body.includes('close')) res.setHeader('connection', 'close');
      setTimeout(() => json(res), 5);
    });
    const raw = new RawMcpClient({ url: target.url, connections: 2 });
    expect(await raw.send('{"close":true}')).toMatchObject({ kind: 'ok' });
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => raw.send(call)));
    await raw.close();
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(Array(6).fill('ok'));
    // One closed by the server, then at most two at a time.
    expect(target.connections()).toBe(3);
  });

  it('replaces an idle connection the server closed, instead of failing the next request', async () => {
    // As a keep-alive timeout does: the server closes the connection once it has sat idle a while.
    const target = await serve((_, res) => {
      json(res);
      const socket = res.socket;
      setTimeout(() => socket?.end(), 50);
    });
    const raw = new RawMcpClient({ url: target.url, connections: 1 });
    expect(await raw.send(call)).toMatchObject({ kind: 'ok' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await raw.send(call)).toMatchObject({ kind: 'ok' });
    await raw.close();
    expect(target.connections()).toBe(2);
  });

  it('reports a dropped connection as a network error and a silent server as a timeout', async () => {
    const target = await serve((seen, res) => {
      if (seen.body.includes('drop')) res.socket?.destroy();
      else if (!seen.body.includes('hang')) json(res);
    });
    const raw = new RawMcpClient({ url: target.url, connections: 1, timeoutMs: 200 });
    expect(await raw.send('{"drop":true}')).toMatchObject({ kind: 'network', status: 0 });
    expect(await raw.send('{"hang":true}')).toMatchObject({ kind: 'timeout', label: 'timeout' });
    // Neither broken connection is reused.
    expect(await raw.send(call)).toMatchObject({ kind: 'ok' });
    await raw.close();
    expect(target.connections()).toBe(3);
  });

  it('reads a body that ends with the connection, skips interim answers, and refuses what is not HTTP', async () => {
    const answers = {
      untilClose: `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n${result}`,
      interim: `HTTP/1.1 103 Early Hints\r\nlink: </x>\r\n\r\nHTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${result.length}\r\n\r\n${result}`,
      garbage: 'SMTP ready\r\n\r\n',
      badLength: 'HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n',
    } as const;
    const raw = createNetServer((socket) => {
      socket.on('data', (request) => {
        const kind = (/"kind":"(\w+)"/.exec(request.toString())?.[1] ?? 'garbage') as keyof typeof answers;
        // The body of untilClose ends only when the connection does.
        if (kind === 'untilClose') {
          socket.write(answers.untilClose.slice(0, -10));
          setTimeout(() => socket.end(answers.untilClose.slice(-10)), 30);
        } else socket.write(answers[kind]);
      });
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(raw.address() as AddressInfo).port}/mcp`;
      const client = new RawMcpClient({ url, connections: 1, timeoutMs: 2_000 });
      expect(await client.send('{"kind":"untilClose"}')).toMatchObject({
        kind: 'ok',
        message: JSON.parse(result),
      });
      expect(await client.send('{"kind":"interim"}')).toMatchObject({ kind: 'ok', status: 200 });
      expect(await client.send('{"kind":"garbage"}')).toMatchObject({
        kind: 'network',
        label: 'network EPROTO',
      });
      expect(await client.send('{"kind":"badLength"}')).toMatchObject({
        kind: 'network',
        label: 'network EPROTO',
      });
      await client.close();
    } finally {
      await new Promise((resolve) => raw.close(resolve));
    }
  });

  it('refuses anything but plain http', () => {
    expect(() => new RawMcpClient({ url: 'https://example.com/mcp', connections: 1 })).toThrow(/plain http/);
  });
});
