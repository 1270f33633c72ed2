import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Prng } from '../../load-test/lib/prng.js';

/** One request of a fuzz run. */
export interface FuzzCase {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer | undefined;
  /** Trace id of the `traceparent` sent, when one was (to find the request's events). */
  readonly traceId: string | undefined;
  /** The single JSON-RPC message sent unchanged, when the body was one (to reconcile tools/call). */
  readonly message: { method: string; id: unknown; params?: { name?: unknown } } | undefined;
  readonly description: string;
}

const templates = [
  {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } },
  },
  { jsonrpc: '2.0', method: 'notifications/initialized' },
  { jsonrpc: '2.0', id: 2, method: 'tools/list' },
  { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'get_public_info', arguments: {} } },
  { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'get_confidential_info', arguments: {} } },
  { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'no_such_tool' } },
  { jsonrpc: '2.0', id: 6, method: 'ping' },
  { jsonrpc: '2.0', id: 7, method: 'resources/list' },
  { jsonrpc: '2.0', id: 8, method: 'prompts/get', params: { name: 'x' } },
  { jsonrpc: '2.0', id: 9, result: {} },
];

const oddValues = (prng: Prng): unknown[] => [
  null,
  true,
  0,
  -1,
  1e308,
  Number.MAX_SAFE_INTEGER + 2,
  '',
  'x'.repeat(1 + prng.int(5000)),
  '\u0000\u202e\ud83d\ude00',
  '__proto__',
  [],
  [1, [2, [3]]],
  {},
  { __proto__: { polluted: true } },
  { constructor: { prototype: { polluted: true } } },
  randomBytes(8).toString('hex'),
];

function mutate(prng: Prng, value: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = JSON.parse(JSON.stringify(value));
  const fields = ['jsonrpc', 'id', 'method', 'params', 'result', 'error', 'extra'];
  const rounds = 1 + prng.int(3);
  for (let i = 0; i < rounds; i++) {
    const field = prng.pick(fields);
    switch (prng.int(5)) {
      case 0:
        delete copy[field];
        break;
      case 1:
        copy[field] = prng.pick(oddValues(prng));
        break;
      case 2: {
        const params = (typeof copy.params === 'object' && copy.params !== null ? copy.params : {}) as Record<
          string,
          unknown
        >;
        params[prng.pick(['name', 'arguments', '_meta', 'cursor', 'protocolVersion'])] = prng.pick(
          oddValues(prng),
        );
        copy.params = params;
        break;
      }
      case 3:
        copy.method = prng.pick([
          'tools/call',
          'tools/list',
          'TOOLS/CALL',
          'tools/call ',
          'initialize',
          'logging/setLevel',
          'x'.repeat(300),
        ]);
        break;
      default:
        copy[`k${prng.int(1000)}`] = prng.pick(oddValues(prng));
    }
  }
  return copy;
}

function nested(depth: number, array: boolean): string {
  return array ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/**
 * Generates `count` malformed or unusual requests to `POST /mcp` (and a few other methods and
 * paths), from a seed: mutated and random JSON-RPC bodies, batches, deep nesting, bad encodings,
 * odd and missing headers, odd tokens, and sizes around the body limit.
 */
export function mcpFuzzCases(
  prng: Prng,
  count: number,
  options: { path: string; host: string; tokens: { good: string[]; bad: string[] }; bodyLimit: number },
): FuzzCase[] {
  const cases: FuzzCase[] = [];
  for (let n = 0; n < count; n++) {
    const traceId = randomBytes(16).toString('hex');
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
    };
    let token: string | undefined = prng.chance(0.85)
      ? prng.pick(options.tokens.good)
      : prng.pick(options.tokens.bad);
    let method = 'POST';
    let path = options.path;
    let body: Buffer | undefined;
    let message: FuzzCase['message'];
    let description: string;
    let knownTrace = true;
    const shape = prng.int(12);
    if (shape <= 3) {
      const template = prng.pick(templates) as Record<string, unknown>;
      const value = prng.chance(0.2) ? template : mutate(prng, template);
      if (value === template && typeof value.method === 'string') {
        message = { method: value.method, id: value.id, params: value.params as { name?: unknown } };
      }
      body = Buffer.from(JSON.stringify(value));
      description = `message ${JSON.stringify(value).slice(0, 80)}`;
    } else if (shape === 4) {
      const batch = Array.from({ length: 1 + prng.int(40) }, () =>
        mutate(prng, prng.pick(templates) as Record<string, unknown>),
      );
      body = Buffer.from(JSON.stringify(prng.chance(0.1) ? [] : batch));
      description = `batch of ${batch.length}`;
    } else if (shape === 5) {
      const depth = prng.pick([10, 1_000, 10_000, 100_000]);
      body = Buffer.from(
        prng.chance(0.5)
          ? nested(depth, prng.chance(0.5))
          : `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_public_info","arguments":${nested(depth, prng.chance(0.5))}}}`,
      );
      description = `nesting ${depth}`;
    } else if (shape === 6) {
      body = randomBytes(prng.int(2048));
      description = 'random bytes';
    } else if (shape === 7) {
      const text = JSON.stringify(prng.pick(templates));
      const encoding = prng.int(4);
      body =
        encoding === 0
          ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])
          : encoding === 1
            ? Buffer.from(text, 'utf16le')
            : encoding === 2
              ? Buffer.from(text.replace('tools', 'to\udc00ols'), 'utf8')
              : Buffer.concat([
                  Buffer.from(text.slice(0, 20)),
                  Buffer.from([0xc3, 0x28, 0xff]),
                  Buffer.from(text.slice(20)),
                ]);
      if (encoding === 1) headers['content-type'] = 'application/json; charset=utf-16le';
      description = `encoding ${encoding}`;
    } else if (shape === 8) {
      const size = prng.pick([0, 1, options.bodyLimit - 200, options.bodyLimit + 1, options.bodyLimit * 2]);
      const padding = 'p'.repeat(Math.max(0, size - 100));
      body = Buffer.from(
        size < 100
          ? '{'.slice(0, size)
          : `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_public_info","arguments":{"p":"${padding}"}}}`,
      );
      description = `size ${body.length}`;
    } else if (shape === 9) {
      body = Buffer.from(JSON.stringify(prng.pick(templates)));
      const variant = prng.int(9);
      if (variant === 0) delete headers['content-type'];
      if (variant === 1)
        headers['content-type'] = prng.pick([
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/json; charset=latin1',
          'application/jsonx',
        ]);
      if (variant === 2)
        headers.accept = prng.pick(['text/html', 'application/json', 'text/event-stream', '*/*', '']);
      if (variant === 3)
        headers['mcp-protocol-version'] = prng.pick([
          '1999-01-01',
          '2025-06-18',
          '2025-11-25',
          'x'.repeat(200),
          '',
        ]);
      if (variant === 4) {
        headers['content-encoding'] = prng.pick(['gzip', 'deflate', 'br', 'identity, gzip']);
        if (prng.chance(0.5)) body = gzipSync(body);
      }
      if (variant === 5) headers.origin = prng.pick(['https://evil.example', 'null', 'http://127.0.0.1:1']);
      if (variant === 6) headers.host = prng.pick(['evil.example', 'localhost:1', '127.0.0.1']);
      if (variant === 7) headers['mcp-session-id'] = randomBytes(16).toString('hex');
      if (variant === 8) {
        headers.traceparent = prng.pick([
          'garbage',
          '00-00000000000000000000000000000000-0000000000000000-01',
          '',
        ]);
        knownTrace = false;
      }
      description = `header variant ${variant}`;
    } else if (shape === 10) {
      body = Buffer.from(JSON.stringify(prng.pick(templates)));
      const variant = prng.int(6);
      if (variant === 0) token = undefined;
      if (variant === 1)
        headers.authorization = prng.pick([
          'Bearer',
          'Bearer ',
          'Basic dXNlcjpwYXNz',
          'bearer  x',
          'Bearer a.b.c.d',
          `Bearer ${'A'.repeat(9000)}`,
        ]);
      if (variant === 2 && token) headers.authorization = `Bearer ${token}   `;
      if (variant === 3 && token) headers.authorization = `Bearer ${token.slice(0, -3)}abc`;
      if (variant === 4 && token) path = `${options.path}?access_token=${token}`;
      if (variant === 5 && token) headers.authorization = `Bearer ${token.replace(/\./g, '..')}`;
      if (variant !== 0 && variant !== 4) token = undefined;
      if (variant === 4) token = undefined;
      description = `token variant ${variant}`;
    } else {
      method = prng.pick(['GET', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD']);
      path = prng.pick([
        options.path,
        `${options.path}/`,
        `${options.path}?x=1`,
        options.path.toUpperCase(),
        '/',
        '/%2e%2e/mcp',
      ]);
      body = method === 'GET' || method === 'HEAD' ? undefined : Buffer.from('{}');
      description = `${method} ${path}`;
    }
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    cases.push({
      method,
      path,
      headers,
      body,
      traceId: knownTrace ? traceId : undefined,
      message,
      description,
    });
  }
  return cases;
}

/** Requests to the token service's endpoints, mutated from plausible ones. */
export function tokenServiceFuzzCases(
  prng: Prng,
  count: number,
  options: { adminSecret: string; apiTokens: string[]; resourceUrl: string; issuerUrl: string },
): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const jsonBody = (value: unknown) => Buffer.from(JSON.stringify(value));
  const form = (fields: Record<string, string>) => Buffer.from(new URLSearchParams(fields).toString());
  for (let n = 0; n < count; n++) {
    const traceId = randomBytes(16).toString('hex');
    const headers: Record<string, string> = {
      traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
    };
    let method = 'GET';
    let path: string;
    let body: Buffer | undefined;
    const pick = prng.int(10);
    const odd = () => prng.pick(oddValues(prng));
    if (pick <= 2) {
      method = 'POST';
      path = '/dev/tokens';
      headers['content-type'] = prng.chance(0.9) ? 'application/json' : 'text/plain';
      headers['x-dev-admin-secret'] = prng.pick([
        options.adminSecret,
        options.adminSecret,
        'AAAA',
        '',
        randomBytes(32).toString('base64'),
      ]);
      const base: Record<string, unknown> = {
        sub: 'fuzz@example.com',
        scope: 'public:read',
        ttl_seconds: 60,
        resource: options.resourceUrl,
      };
      body = prng.chance(0.3)
        ? jsonBody(base)
        : prng.chance(0.8)
          ? jsonBody(mutate(prng, base))
          : randomBytes(prng.int(300));
    } else if (pick === 3) {
      method = 'POST';
      path = '/oauth/token';
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = form({
        grant_type: prng.pick(['authorization_code', 'refresh_token', 'client_credentials', 'password', '']),
        code: randomBytes(prng.int(64)).toString('base64url'),
        refresh_token: randomBytes(prng.int(64)).toString('base64url'),
        client_id: prng.pick(['', 'x', 'unknown-client', 'a'.repeat(2000)]),
        code_verifier: randomBytes(prng.int(100)).toString('base64url'),
        redirect_uri: prng.pick(['http://127.0.0.1:1/cb', 'javascript:alert(1)', '']),
        resource: prng.pick([options.resourceUrl, 'http://evil/', '']),
      });
    } else if (pick === 4) {
      method = 'POST';
      path = '/oauth/register';
      headers['content-type'] = 'application/json';
      const base = {
        redirect_uris: ['http://127.0.0.1:33418/callback'],
        token_endpoint_auth_method: 'none',
        application_type: 'native',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        client_name: 'fuzz',
      };
      body = jsonBody(prng.chance(0.3) ? base : mutate(prng, base));
    } else if (pick === 5) {
      const query = new URLSearchParams({
        response_type: prng.pick(['code', 'token', '']),
        client_id: prng.pick(['unknown', '', 'x'.repeat(500)]),
        redirect_uri: prng.pick(['http://127.0.0.1:1/cb', '']),
        code_challenge: randomBytes(32).toString('base64url'),
        code_challenge_method: prng.pick(['S256', 'plain', '']),
        scope: prng.pick(['public:read', 'openid', '\u0000', '']),
        resource: prng.pick([options.resourceUrl, 'http://evil/']),
        state: String(odd()),
      });
      path = `/oauth/authorize?${query}`;
    } else if (pick === 6) {
      method = prng.pick(['POST', 'GET']);
      path = prng.pick([
        '/oauth/revoke',
        '/oauth/jwks',
        '/oauth/session/end',
        `/oauth/interaction/${randomBytes(8).toString('hex')}`,
        '/oauth/%00',
        '/oauth/../dev/tokens',
      ]);
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = method === 'POST' ? form({ token: randomBytes(20).toString('hex'), client_id: 'x' }) : undefined;
    } else if (pick === 7) {
      path = prng.pick([
        `/auth/login?next=${encodeURIComponent(prng.pick(['/', '//evil.example', 'https://evil.example', '/\\evil', String(odd())]))}`,
        `/auth/callback?code=${randomBytes(8).toString('hex')}&state=${randomBytes(8).toString('hex')}`,
        '/auth/callback',
        `/auth/callback?error=access_denied&state=${String(odd())}`,
      ]);
    } else if (pick === 8) {
      method = 'POST';
      path = '/admin/revocations';
      headers['content-type'] = 'application/json';
      const token = prng.chance(0.5) ? prng.pick(options.apiTokens) : prng.pick(['garbage', '', 'a.b.c']);
      if (token) headers.authorization = `Bearer ${token}`;
      const base: Record<string, unknown> = prng.chance(0.5)
        ? { token_id: randomBytes(8).toString('hex'), reason: 'fuzz' }
        : { subject: `fuzz-${n}@example.com` };
      body = jsonBody(prng.chance(0.3) ? base : mutate(prng, base));
    } else {
      method = prng.pick(['GET', 'OPTIONS', 'POST', 'DELETE']);
      path = prng.pick([
        '/.well-known/oauth-authorization-server',
        '/.well-known/openid-configuration',
        '/.well-known/jwks.json',
        '/.well-known/oauth-protected-resource',
        '/audit/events?limit=-1',
        '/audit/events?type=%00',
        '/health',
        '/ready',
        '/nope',
      ]);
    }
    cases.push({
      method,
      path,
      headers,
      body,
      traceId,
      message: undefined,
      description: `${method} ${path.slice(0, 60)}`,
    });
  }
  return cases;
}
