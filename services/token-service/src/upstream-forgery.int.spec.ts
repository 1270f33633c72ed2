import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar } from '../../dev-idp/src/testing/index.js';
import { freePort, startTestStack, type TestStack } from '../../shared/testing/start-test-stack.js';

// An upstream identity provider that signs its ID tokens correctly but lies in them: the token
// service must reject what openid-client's validation rejects, and record why.
type Forgery = 'none' | 'wrong-nonce' | 'wrong-issuer';

let stack: TestStack;
let idp: Server;
let idpUrl: string;
let forgery: Forgery = 'none';

beforeAll(async () => {
  const port = await freePort();
  idpUrl = `http://127.0.0.1:${port}`;
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'forger', alg: 'ES256', use: 'sig' };
  const nonces = new Map<string, string>();
  idp = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', idpUrl);
    const json = (body: unknown) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/.well-known/openid-configuration') {
      return json({
        issuer: idpUrl,
        authorization_endpoint: `${idpUrl}/authorize`,
        token_endpoint: `${idpUrl}/token`,
        jwks_uri: `${idpUrl}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['ES256'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_post'],
      });
    }
    if (url.pathname === '/jwks') return json({ keys: [jwk] });
    if (url.pathname === '/authorize') {
      // Signs the user in at once and sends them back with a code that remembers the nonce.
      const code = `code-${nonces.size}`;
      nonces.set(code, url.searchParams.get('nonce') ?? '');
      const back = new URL(url.searchParams.get('redirect_uri') ?? '');
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.href });
      return res.end();
    }
    if (url.pathname === '/token') {
      let body = '';
      for await (const chunk of req) body += chunk;
      const form = new URLSearchParams(body);
      const nonce = nonces.get(form.get('code') ?? '') ?? '';
      const idToken = await new SignJWT({
        email: 'alice@example.com',
        email_verified: true,
        nonce: forgery === 'wrong-nonce' ? 'a-nonce-this-login-never-sent' : nonce,
      })
        .setProtectedHeader({ alg: 'ES256', kid: 'forger' })
        .setIssuer(forgery === 'wrong-issuer' ? 'https://accounts.evil.example' : idpUrl)
        .setAudience('mcp-token-service')
        .setSubject('alice-upstream-id')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
      return json({ access_token: 'upstream-at', token_type: 'Bearer', expires_in: 300, id_token: idToken });
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => idp.listen(port, '127.0.0.1', resolve));
  stack = await startTestStack({
    OIDC_ISSUER: idpUrl,
    OIDC_CLIENT_ID: 'mcp-token-service',
    OIDC_CLIENT_SECRET: 'forger-secret',
  });
});

afterAll(async () => {
  await stack?.close();
  idp?.close();
});

/** The simple browser flow, following redirects with cookies until a page is shown. */
async function browserLogin(): Promise<{ status: number; html: string; traceId: string }> {
  const jar = new CookieJar();
  const trace = stack.traceparent();
  let url = new URL(`${stack.tokenServiceUrl}/auth/login`);
  for (let hop = 0; hop < 10; hop++) {
    const cookie = jar.cookieHeader(url);
    const response = await fetch(url, {
      redirect: 'manual',
      headers: { traceparent: trace.header, ...(cookie ? { cookie } : {}) },
    });
    jar.storeFrom(url, response.headers);
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) {
      return { status: response.status, html: await response.text(), traceId: trace.traceId };
    }
    url = new URL(location, url);
  }
  throw new Error('too many redirects');
}

describe('upstream ID token validation', () => {
  it('signs in when the upstream ID token is genuine (the forger is a working IdP otherwise)', async () => {
    forgery = 'none';
    const page = await browserLogin();
    expect(page.status).toBe(200);
    expect((await stack.store.query({ type: 'login.succeeded', traceId: page.traceId })).length).toBe(1);
  });

  it.each([
    ['wrong-nonce', 'a nonce this login never sent'],
    ['wrong-issuer', 'an issuer other than the configured one'],
  ] as const)(
    'refuses an upstream ID token with %s (%s), issues nothing, and records why',
    async (mode, _why) => {
      forgery = mode;
      const page = await browserLogin();
      expect(page.status).toBeGreaterThanOrEqual(400);
      expect(page.html).toContain('ERR_LOGIN_UPSTREAM_INVALID');
      const failed = await stack.store.query({ type: 'login.failed', traceId: page.traceId });
      expect(failed.map((e) => e.reasonCode)).toEqual(['ERR_LOGIN_UPSTREAM_INVALID']);
      expect(await stack.store.query({ type: 'token.issued', traceId: page.traceId })).toEqual([]);
      expect(await stack.store.query({ type: 'login.succeeded', traceId: page.traceId })).toEqual([]);
    },
  );
});

describe('an unreachable identity provider', () => {
  it('answers 503 ERR_LOGIN_UPSTREAM_UNAVAILABLE instead of an internal error', async () => {
    const closedPort = await freePort();
    const lonely = await startTestStack({
      OIDC_ISSUER: `http://127.0.0.1:${closedPort}`,
      OIDC_CLIENT_ID: 'mcp-token-service',
      OIDC_CLIENT_SECRET: 'whatever',
    });
    try {
      const response = await fetch(`${lonely.tokenServiceUrl}/auth/login`, { redirect: 'manual' });
      expect(response.status).toBe(503);
      expect(await response.text()).toContain('ERR_LOGIN_UPSTREAM_UNAVAILABLE');
    } finally {
      await lonely.close();
    }
  });
});
