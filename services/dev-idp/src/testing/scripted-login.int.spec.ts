import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDevIdp, startDevIdp } from '../start-dev-idp.js';
import { CookieJar } from './cookie-jar.js';
import { clickButton } from './html-forms.js';
import { ScriptedLoginError, scriptedLogin } from './scripted-login.js';

/**
 * A stand-in for the token service in the middle: on another host name (`localhost`, while the IdP
 * is `127.0.0.1`), with its own session cookie and its own consent page, redirecting at the end to a
 * CLI's loopback callback that nothing listens on.
 */
interface Relay {
  readonly origin: string;
  /** Cookie headers the relay's callback received, to check what the script sent where. */
  readonly callbackCookies: string[];
  readonly approveOrigins: string[];
}

const cliCallback = 'http://127.0.0.1:9/cli/callback';
let idp: RunningDevIdp;
let relay: Relay;
let relayServer: Server;

beforeAll(async () => {
  const callbackCookies: string[] = [];
  const approveOrigins: string[] = [];
  const pending = new Map<string, { verifier: string; state: string }>();
  let config: oidc.Configuration | undefined;
  let redirectUri = '';

  relayServer = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => relayServer.listen(0, '127.0.0.1', resolve));
  const origin = `http://localhost:${(relayServer.address() as AddressInfo).port}`;
  redirectUri = `${origin}/callback`;
  relay = { origin, callbackCookies, approveOrigins };

  idp = await startDevIdp({
    port: 0,
    appEnv: 'test',
    clients: [{ client_id: 'relay', client_secret: 'relay-secret', redirect_uris: [redirectUri] }],
  });
  config = await oidc.discovery(new URL(idp.url), 'relay', 'relay-secret', undefined, {
    execute: [oidc.allowInsecureRequests],
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    const session = /relay_session=([\w-]+)/.exec(req.headers.cookie ?? '')?.[1];
    if (url.pathname === '/start') {
      const id = crypto.randomUUID();
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      pending.set(id, { verifier, state });
      const authorize = oidc.buildAuthorizationUrl(config as oidc.Configuration, {
        redirect_uri: redirectUri,
        scope: 'openid email',
        state,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      res
        .writeHead(302, { location: authorize.href, 'set-cookie': `relay_session=${id}; Path=/; HttpOnly` })
        .end();
    } else if (url.pathname === '/callback') {
      callbackCookies.push(req.headers.cookie ?? '');
      const flow = session === undefined ? undefined : pending.get(session);
      if (flow === undefined) return void res.writeHead(400).end('no relay session');
      const tokens = await oidc.authorizationCodeGrant(config as oidc.Configuration, url, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
      });
      const email = String(tokens.claims()?.email);
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(
          `<!doctype html><p>Allow the CLI for ${email}?</p><form method="post" action="/approve">` +
            `<input type="hidden" name="csrf" value="${session}"><input type="hidden" name="email" value="${email}">` +
            `<button name="decision" value="approve">Allow</button><button name="decision" value="reject">Reject</button></form>`,
        );
    } else if (url.pathname === '/approve' && req.method === 'POST') {
      approveOrigins.push(req.headers.origin ?? '');
      let body = '';
      for await (const chunk of req) body += chunk;
      const form = new URLSearchParams(body);
      if (form.get('csrf') !== session || form.get('decision') !== 'approve')
        return void res.writeHead(403).end();
      res
        .writeHead(302, { location: `${cliCallback}?email=${encodeURIComponent(form.get('email') ?? '')}` })
        .end();
    } else if (url.pathname === '/loop') {
      res.writeHead(302, { location: '/loop' }).end();
    } else {
      res.writeHead(404).end('not found');
    }
  }
});

afterAll(async () => {
  await idp?.close();
  await new Promise((resolve) => relayServer?.close(resolve));
});

describe('scriptedLogin', () => {
  it('follows a login through a relay on another host to a CLI callback it does not fetch', async () => {
    const jar = new CookieJar();
    const final = await scriptedLogin(`${relay.origin}/start`, {
      user: 'carol@example.com',
      cookies: jar,
      stopAt: (url) => url.hostname === '127.0.0.1' && url.pathname === '/cli/callback',
      onPage: (page) =>
        page.url.origin === relay.origin ? clickButton(page.forms, 'decision', 'approve') : undefined,
    });
    expect(final.href).toBe(`${cliCallback}?email=carol%40example.com`);
    // Cookies went to the host that set them, and only there.
    expect(relay.callbackCookies.at(-1)).toMatch(/^relay_session=[\w-]+$/);
    expect(jar.namesFor('localhost')).toEqual(['relay_session']);
    expect(jar.namesFor('127.0.0.1')).toContain('_dev_idp_session');
    expect(relay.approveOrigins.at(-1)).toBe(relay.origin);
  });

  it('stops at a URL given as a string on origin and path, ignoring the query', async () => {
    const final = await scriptedLogin(`${relay.origin}/start`, {
      user: 'security@example.com',
      stopAt: `${relay.origin}/callback`,
    });
    expect(final.pathname).toBe('/callback');
    expect(final.searchParams.get('code')).toBeTruthy();
    expect(final.searchParams.get('iss')).toBe(idp.url);
  });

  it('reports an error page with its status and the trail of requests', async () => {
    const failure = await scriptedLogin(`${relay.origin}/nowhere`, {
      user: 'alice@example.com',
      stopAt: cliCallback,
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ScriptedLoginError);
    expect(failure).toMatchObject({ code: 'ERR_LOGIN_UNEXPECTED_RESPONSE', status: 404 });
    expect((failure as ScriptedLoginError).trail).toEqual([`GET ${relay.origin}/nowhere -> 404`]);
  });

  it('gives up on a redirect loop after maxSteps requests', async () => {
    const failure = await scriptedLogin(`${relay.origin}/loop`, {
      user: 'alice@example.com',
      stopAt: cliCallback,
      maxSteps: 5,
    }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'ERR_LOGIN_TOO_MANY_STEPS' });
    expect((failure as ScriptedLoginError).trail).toHaveLength(5);
  });

  it('fails on a page it has no button for, naming the buttons it saw', async () => {
    const failure = await scriptedLogin(`${relay.origin}/start`, {
      user: 'alice@example.com',
      stopAt: cliCallback,
    }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'ERR_LOGIN_NO_CHOICE' });
    expect((failure as Error).message).toContain('decision=approve');
  });
});
