import { createHmac } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../shared/event-store/index.js';
import { startTestStack, type TestStack } from '../../shared/testing/start-test-stack.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});

afterAll(async () => {
  await stack?.close();
});

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: stack.tokenServiceUrl,
    sub: 'crafted@example.com',
    aud: stack.mcpUrl,
    scope: 'public:read',
    client_id: 'test-client',
    jti: crypto.randomUUID(),
    iat: nowSeconds(),
    exp: nowSeconds() + 300,
    ...overrides,
  };
}

/** Signs arbitrary claims with the stack's real key (and any header changes). */
async function signed(
  payload: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  const key = stack.keys.current;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header })
    .sign(key.privateKey);
}

/** POSTs one JSON-RPC message to /mcp with raw fetch; returns status, headers and parsed body. */
async function post(
  body: unknown,
  init: { token?: string; headers?: Record<string, string>; url?: string } = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown>; traceId: string }> {
  const trace = stack.traceparent();
  const response = await fetch(init.url ?? stack.mcpUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      traceparent: trace.header,
      ...(init.token === undefined ? {} : { authorization: `Bearer ${init.token}` }),
      ...init.headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? JSON.parse(text) : {},
    traceId: trace.traceId,
  };
}

const listRequest = { jsonrpc: '2.0', id: 1, method: 'tools/list' };

async function eventsOfTrace(traceId: string): Promise<StoredEvent[]> {
  return stack.store.query({ traceId });
}

/** Asserts a 401 with a challenge, and exactly one `auth.rejected` event with the reason. */
async function expectRejected(
  token: string | undefined,
  code: string,
  extra: { url?: string } = {},
): Promise<void> {
  const response = await post(listRequest, { token, ...extra });
  expect(response.status).toBe(401);
  expect(response.body.error).toBe(code);
  const challenge = response.headers.get('www-authenticate') ?? '';
  expect(challenge).toMatch(/^Bearer /);
  expect(challenge).toContain(
    `resource_metadata="${new URL(stack.mcpUrl).origin}/.well-known/oauth-protected-resource/mcp"`,
  );
  const events = await eventsOfTrace(response.traceId);
  expect(events.map((e) => [e.type, e.reasonCode, e.decision])).toEqual([['auth.rejected', code, 'deny']]);
}

async function connect(token: string): Promise<Client> {
  const client = new Client({ name: 'int-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(stack.mcpUrl), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

describe('token verification at /mcp', () => {
  it('refuses a request without a token with a bare challenge naming the resource metadata', async () => {
    await expectRejected(undefined, 'ERR_TOKEN_MISSING');
    const response = await post(listRequest);
    expect(response.headers.get('www-authenticate')).not.toContain('error=');
  });

  it('accepts a valid token', async () => {
    const response = await post(listRequest, { token: await signed(claims()) });
    expect(response.status).toBe(200);
  });

  it('refuses an expired token', async () => {
    await expectRejected(
      await signed(claims({ iat: nowSeconds() - 900, exp: nowSeconds() - 600 })),
      'ERR_TOKEN_EXPIRED',
    );
  });

  it('refuses a token that is not yet valid', async () => {
    await expectRejected(await signed(claims({ nbf: nowSeconds() + 600 })), 'ERR_TOKEN_NOT_YET_VALID');
  });

  it.each([
    ['two segments', 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0'],
    ['bad base64 in the header', 'e$$$.eyJzdWIiOiJ4In0.c2ln'],
    ['a header that is not JSON', `${b64('not json')}.${b64({ sub: 'x' })}.c2ln`],
    ['a payload that is not JSON', `${b64({ alg: 'ES256', typ: 'at+jwt' })}.${b64('nope')}.c2ln`],
  ])('refuses a malformed token: %s', async (_name, token) => {
    await expectRejected(token, 'ERR_TOKEN_MALFORMED');
  });

  it('refuses a token signed by another key under our kid', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'ES256', kid: stack.keys.current.kid, typ: 'at+jwt' })
      .sign(privateKey);
    await expectRejected(token, 'ERR_TOKEN_SIGNATURE_INVALID');
  });

  it('refuses a token whose kid is unknown', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'ES256', kid: 'unknown-kid', typ: 'at+jwt' })
      .sign(privateKey);
    await expectRejected(token, 'ERR_TOKEN_KEY_UNKNOWN');
  });

  it('refuses alg none', async () => {
    await expectRejected(
      `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claims())}.`,
      'ERR_TOKEN_ALG_NOT_ALLOWED',
    );
  });

  it('refuses HS256 signed with the public key as the secret', async () => {
    const publicJwk = stack.keys.publicJwks().keys[0];
    const input = `${b64({ alg: 'HS256', kid: stack.keys.current.kid, typ: 'at+jwt' })}.${b64(claims())}`;
    const mac = createHmac('sha256', JSON.stringify(publicJwk)).update(input).digest('base64url');
    await expectRejected(`${input}.${mac}`, 'ERR_TOKEN_ALG_NOT_ALLOWED');
  });

  it('refuses a token without exp', async () => {
    const { exp: _exp, ...rest } = claims();
    await expectRejected(await signed(rest), 'ERR_TOKEN_CLAIM_INVALID');
  });

  it('refuses a token from another issuer', async () => {
    await expectRejected(await signed(claims({ iss: 'https://evil.example' })), 'ERR_TOKEN_ISSUER_INVALID');
  });

  it('refuses a token for another audience (no token passthrough)', async () => {
    await expectRejected(
      await signed(claims({ aud: 'https://other.example/mcp' })),
      'ERR_TOKEN_AUDIENCE_INVALID',
    );
  });

  it('ignores jku, x5u and jwk headers and never fetches them', async () => {
    let hits = 0;
    const trap: Server = createServer((_req, res) => {
      hits += 1;
      res.end('{}');
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    const address = trap.address();
    const trapUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/jwks`;
    try {
      const attacker = await generateKeyPair('ES256', { extractable: true });
      const attackerJwk = await exportJWK(attacker.publicKey);
      const honest = await signed(claims(), { jku: trapUrl, x5u: trapUrl });
      expect((await post(listRequest, { token: honest })).status).toBe(200);
      const forged = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', jwk: attackerJwk, jku: trapUrl })
        .sign(attacker.privateKey);
      const response = await post(listRequest, { token: forged });
      expect(response.status).toBe(401);
      expect(hits).toBe(0);
    } finally {
      trap.close();
    }
  });

  it('refuses a token in the query string even with a valid header', async () => {
    const token = await signed(claims());
    await expectRejected(token, 'ERR_TOKEN_IN_QUERY', { url: `${stack.mcpUrl}?access_token=${token}` });
  });

  it('rejects an oversized token before any crypto', async () => {
    await expectRejected(
      `${b64({ alg: 'ES256', typ: 'at+jwt' })}.${'A'.repeat(9000)}.sig`,
      'ERR_TOKEN_TOO_LARGE',
    );
  });

  it('treats a missing scope claim as no scopes', async () => {
    const { scope: _scope, ...rest } = claims();
    const response = await post(listRequest, { token: await signed(rest) });
    expect(response.status).toBe(200);
    expect((response.body.result as { tools: unknown[] }).tools).toEqual([]);
  });

  it.each([[['public:read']], [42]])('rejects a scope claim that is not a string: %j', async (scope) => {
    await expectRejected(await signed(claims({ scope })), 'ERR_TOKEN_SCOPE_INVALID');
  });
});

describe('scope-filtered tools with a real MCP client', () => {
  it('shows a public:read token only get_public_info, and records the filter', async () => {
    const client = await connect(await stack.mint({ sub: 'alice@example.com', scopes: ['public:read'] }));
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['get_public_info']);
    await client.close();
    const [listed, ...more] = await stack.store.query({ type: 'tools.listed', subject: 'alice@example.com' });
    expect(more).toEqual([]);
    expect(listed?.data).toMatchObject({ visible: ['get_public_info'], hidden: ['get_confidential_info'] });
    expect(listed?.policyVersion).toBe('2');
    expect(listed?.policyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(listed?.scopesGranted).toEqual(['public:read']);
  });

  it('shows a token with both scopes both tools', async () => {
    const client = await connect(
      await stack.mint({ sub: 'both@example.com', scopes: ['public:read', 'confidential:read'] }),
    );
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['get_confidential_info', 'get_public_info']);
    await client.close();
  });

  it('shows a token without scopes no tools', async () => {
    const client = await connect(await stack.mint({ sub: 'none@example.com', scopes: [] }));
    expect((await client.listTools()).tools).toEqual([]);
    await client.close();
    const [listed] = await stack.store.query({ type: 'tools.listed', subject: 'none@example.com' });
    expect(listed?.data).toMatchObject({ visible: [], hidden: ['get_confidential_info', 'get_public_info'] });
  });

  it('refuses a call the token does not allow with 403 naming the scope, and records the denial', async () => {
    const token = await stack.mint({ sub: 'denied@example.com', scopes: ['public:read'] });
    const response = await post(
      {
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'get_confidential_info', arguments: {} },
      },
      { token },
    );
    expect(response.status).toBe(403);
    expect(response.body.error).toBe('ERR_SCOPE_INSUFFICIENT');
    expect(response.headers.get('www-authenticate')).toMatch(
      /error="insufficient_scope".*scope="confidential:read"/,
    );
    const events = await eventsOfTrace(response.traceId);
    expect(events.map((e) => [e.type, e.reasonCode, e.toolName, e.jsonRpcId])).toEqual([
      ['tool.call.denied', 'ERR_SCOPE_INSUFFICIENT', 'get_confidential_info', '7'],
    ]);
    expect(events[0]?.scopesRequired).toEqual(['confidential:read']);
    expect(events[0]?.data.argumentsHmac).toMatch(/^[0-9a-f]{64}$/);
  });

  it('runs an allowed call only after recording it, and records the outcome', async () => {
    const client = await connect(await stack.mint({ sub: 'reader@example.com', scopes: ['public:read'] }));
    const result = await client.callTool({ name: 'get_public_info', arguments: {} });
    await client.close();
    const text = (result.content as { type: string; text: string }[])[0]?.text ?? '';
    expect(text).toContain('Northwind Analytics');
    const events = await stack.store.query({
      subject: 'reader@example.com',
      type: ['tool.call.allowed', 'tool.call.completed'],
    });
    const allowed = events.filter((e) => e.type === 'tool.call.allowed');
    const completed = events.filter((e) => e.type === 'tool.call.completed');
    expect(allowed).toHaveLength(1);
    expect(completed).toHaveLength(1);
    expect(completed[0]?.data).toMatchObject({ outcome: 'ok', allowedEventId: allowed[0]?.eventId });
    expect(BigInt(completed[0]!.globalPosition)).toBeGreaterThan(BigInt(allowed[0]!.globalPosition));
    expect(allowed[0]?.traceId).toBe(completed[0]?.traceId);
  });

  it('refuses an unknown tool without revealing whether it exists, and records why', async () => {
    const token = await stack.mint({
      sub: 'prober@example.com',
      scopes: ['public:read', 'confidential:read'],
    });
    const response = await post(
      { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'drop_tables' } },
      { token },
    );
    expect(response.status).toBe(200);
    expect(response.body.error).toMatchObject({ code: -32602, message: 'Unknown tool: drop_tables' });
    const events = await eventsOfTrace(response.traceId);
    expect(events.map((e) => [e.type, e.reasonCode])).toEqual([['tool.call.denied', 'ERR_TOOL_UNKNOWN']]);
  });
});

describe('tool calls that cannot be recorded as sent', () => {
  it('refuses arguments the log cannot hold (a NUL) and still records the attempt', async () => {
    const token = await stack.mint({ sub: 'nul@example.com', scopes: ['public:read'] });
    const response = await post(
      {
        jsonrpc: '2.0',
        id: 4,
        method: 'tools/call',
        params: { name: 'get_public_info', arguments: { a: '\u0000' } },
      },
      { token },
    );
    expect(response.status).toBe(400);
    const events = await eventsOfTrace(response.traceId);
    expect(events.map((e) => [e.type, e.reasonCode, e.toolName])).toEqual([
      ['tool.call.denied', 'ERR_REQUEST_INVALID', 'get_public_info'],
    ]);
  });
});

describe('transport guards', () => {
  it.each([
    ['', (path: string) => path],
    [' on a path spelled another way (/%6dcp)', (path: string) => path.replace(/m/, '%6d')],
  ])('refuses a foreign Host (DNS rebinding)%s and records it', async (_name, spell) => {
    const token = await stack.mint({ sub: 'host@example.com', scopes: ['public:read'] });
    // fetch may not set Host (a forbidden header), so this one goes through node:http.
    const trace = stack.traceparent();
    const url = new URL(stack.mcpUrl);
    const response = await new Promise<{ status: number; body: Record<string, unknown> }>(
      (resolve, reject) => {
        const req = httpRequest(
          {
            host: url.hostname,
            port: url.port,
            path: spell(url.pathname),
            method: 'POST',
            headers: {
              host: 'evil.example',
              authorization: `Bearer ${token}`,
              'content-type': 'application/json',
              accept: 'application/json, text/event-stream',
              traceparent: trace.header,
            },
          },
          (res) => {
            let text = '';
            res.on('data', (chunk) => (text += chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify(listRequest));
      },
    );
    expect(response.status).toBe(403);
    expect(response.body.error).toBe('ERR_HOST_NOT_ALLOWED');
    const events = await eventsOfTrace(trace.traceId);
    expect(events.map((e) => [e.type, e.reasonCode])).toEqual([['auth.rejected', 'ERR_HOST_NOT_ALLOWED']]);
  });

  it('refuses a foreign Origin and records it', async () => {
    const token = await stack.mint({ sub: 'origin@example.com', scopes: ['public:read'] });
    const response = await post(listRequest, { token, headers: { origin: 'https://evil.example' } });
    expect(response.status).toBe(403);
    expect(response.body.error).toBe('ERR_ORIGIN_NOT_ALLOWED');
    const events = await eventsOfTrace(response.traceId);
    expect(events.map((e) => [e.type, e.reasonCode])).toEqual([['auth.rejected', 'ERR_ORIGIN_NOT_ALLOWED']]);
  });

  it('refuses a body over the limit with 413', async () => {
    const token = await stack.mint({ sub: 'big@example.com', scopes: ['public:read'] });
    const response = await post(
      { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { pad: 'x'.repeat(1_100_000) } },
      { token },
    );
    expect(response.status).toBe(413);
    expect(response.body.error).toBe('ERR_REQUEST_TOO_LARGE');
  });

  it('refuses a body that is not JSON-RPC with 400', async () => {
    const token = await stack.mint({ sub: 'junk@example.com', scopes: ['public:read'] });
    const response = await post({ hello: 'world' }, { token });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: -32600 });
  });

  it('refuses a tools/call inside a JSON-RPC batch before deciding anything', async () => {
    const token = await stack.mint({ sub: 'batcher@example.com', scopes: ['public:read'] });
    const response = await post(
      [
        { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get_public_info' } },
        { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'get_confidential_info' } },
      ],
      { token },
    );
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: -32600, data: { error: 'ERR_REQUEST_INVALID' } });
    expect(await eventsOfTrace(response.traceId)).toEqual([]);
  });

  it.each([
    [
      'a batch of more than 100 messages',
      Array.from({ length: 101 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'tools/list' })),
    ],
    [
      'an initialize batched with another message',
      [
        {
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-06-18',
            capabilities: {},
            clientInfo: { name: 't', version: '1' },
          },
        },
        { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      ],
    ],
  ])('refuses %s before recording anything', async (_name, batch) => {
    const token = await stack.mint({ sub: 'batch-limits@example.com', scopes: ['public:read'] });
    const response = await post(batch, { token });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: -32600 });
    expect(await eventsOfTrace(response.traceId)).toEqual([]);
  });

  it.each([
    ['an Accept header without text/event-stream', { accept: 'application/json' }, 406],
    ['an unsupported MCP-Protocol-Version', { 'mcp-protocol-version': '1999-01-01' }, 400],
  ])('refuses %s before deciding anything', async (_name, headers, status) => {
    const token = await stack.mint({ sub: 'transport@example.com', scopes: ['public:read'] });
    const response = await post(
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'get_public_info' } },
      { token, headers },
    );
    expect(response.status).toBe(status);
    expect(await eventsOfTrace(response.traceId)).toEqual([]);
  });

  it('answers tools/call with malformed params with JSON-RPC Invalid params, deciding nothing', async () => {
    const token = await stack.mint({ sub: 'params@example.com', scopes: ['public:read'] });
    const response = await post(
      {
        jsonrpc: '2.0',
        id: 4,
        method: 'tools/call',
        params: { name: 'get_public_info', arguments: 'not-an-object' },
      },
      { token },
    );
    expect(response.status).toBe(200);
    expect(response.body.error).toMatchObject({ code: -32602 });
    expect(await eventsOfTrace(response.traceId)).toEqual([]);
  });

  it('answers GET /mcp with 405 (stateless: no standalone stream)', async () => {
    const response = await fetch(stack.mcpUrl, { headers: { accept: 'text/event-stream' } });
    expect(response.status).toBe(405);
  });

  it('publishes RFC 9728 metadata at the root and path-inserted locations', async () => {
    const origin = new URL(stack.mcpUrl).origin;
    for (const path of [
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-protected-resource/mcp',
    ]) {
      const metadata = (await (await fetch(`${origin}${path}`)).json()) as Record<string, unknown>;
      expect(metadata).toMatchObject({
        resource: stack.mcpUrl,
        authorization_servers: [stack.tokenServiceUrl],
        bearer_methods_supported: ['header'],
      });
    }
  });

  it('reports ready when the database answers, the keys are loaded and the revocation feed is fresh', async () => {
    const response = await fetch(new URL('/ready', stack.mcpUrl));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ready',
      checks: { database: true, keys: true, revocations: true },
    });
  });

  it('records policy.activated for the instance at start-up', async () => {
    const events = await stack.store.query({ type: 'policy.activated' });
    expect(events.filter((e) => e.instanceId === 'mcp-test').map((e) => e.policyVersion)).toEqual(['2']);
  });
});
