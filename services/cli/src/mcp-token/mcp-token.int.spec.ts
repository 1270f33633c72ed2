import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browser,
  type OAuthTestStack,
  scriptedLogin,
  startOAuthTestStack,
} from '../../../token-service/src/oauth/testing/start-oauth-test-stack.js';
import { credentialsSchema } from './credentials/credentials.js';

const bin = fileURLToPath(new URL('../../bin/mcp-token.mjs', import.meta.url));
const claudeBin = fileURLToPath(new URL('../../../../node_modules/.bin/claude', import.meta.url));
const slow = 180_000;

let stack: OAuthTestStack;
let home: string;

beforeAll(async () => {
  stack = await startOAuthTestStack();
  home = await mkdtemp(join(tmpdir(), 'mcp-token-home-'));
});

afterAll(async () => {
  await stack?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment of a user's shell: a throwaway HOME, the stack's URLs, nothing of this machine's. */
function userEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    TOKEN_ISSUER_URL: stack.tokenServiceUrl,
    MCP_RESOURCE_URL: stack.mcpUrl,
    ...extra,
  };
  for (const name of ['XDG_CONFIG_HOME', 'MCP_TOKEN_CREDENTIALS', 'BROWSER', 'DISPLAY', 'WAYLAND_DISPLAY']) {
    if (!(name in extra)) delete env[name];
  }
  return env;
}

function start(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd?: string,
): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(process.execPath, [bin, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const done = new Promise<Run>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done };
}

/** Runs `mcp-token <args>` as a child process, as a user (or Claude Code) would. */
function mcpToken(args: readonly string[], env: NodeJS.ProcessEnv = userEnv(), cwd?: string): Promise<Run> {
  return start(args, env, cwd).done;
}

/** `claude <args>` (the pinned Claude Code) with the throwaway HOME. */
function claude(args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(claudeBin, [...args], { env: userEnv(), cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Resolves with the first line of the child's stderr that starts with `prefix`. */
function lineStartingWith(child: ChildProcess, prefix: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split('\n').find((candidate) => candidate.startsWith(prefix));
      if (line !== undefined) {
        child.stderr?.off('data', onData);
        resolve(line.trim());
      }
    };
    child.stderr?.on('data', onData);
    child.once('close', () => reject(new Error(`exited before printing ${prefix}…:\n${buffer}`)));
  });
}

/** Delivers a scripted browser to the CLI's loopback callback, signed in as `user`. */
async function browse(authorizationUrl: string, user: string): Promise<void> {
  const callback = await scriptedLogin(authorizationUrl, {
    user,
    stopAt: (url) => url.hostname === '127.0.0.1' && url.pathname === '/callback',
  });
  expect(callback.searchParams.get('iss')).toBe(stack.tokenServiceUrl);
  const response = await fetch(callback);
  expect(response.status).toBe(200);
  expect(await response.text()).toContain('Sign-in received');
}

/** `mcp-token login --no-browser`, with the printed URL driven through the dev IdP as `user`. */
async function login(user: string, credentials: string): Promise<Run> {
  const { child, done } = start(['login', '--no-browser', '--credentials', credentials], userEnv());
  const url = await lineStartingWith(child, `${stack.tokenServiceUrl}/oauth/authorize?`);
  await browse(url, user);
  return done;
}

async function readCredentials(file: string) {
  return credentialsSchema.parse(JSON.parse(await readFile(file, 'utf8')));
}

/** Makes the stored MCP access token look as if it expires in 30 s. */
async function expireSoon(file: string): Promise<void> {
  const credentials = await readCredentials(file);
  const token = credentials.access_tokens[credentials.resource];
  if (token === undefined) throw new Error('no MCP access token stored');
  token.expires_at = new Date(Date.now() + 30_000).toISOString();
  await writeFile(file, JSON.stringify(credentials));
}

function bearer(run: Run): string {
  const header = JSON.parse(run.stdout) as { Authorization: string };
  expect(Object.keys(header)).toEqual(['Authorization']);
  expect(header.Authorization).toMatch(/^Bearer ey/);
  return header.Authorization.slice('Bearer '.length);
}

describe('mcp-token login and status', () => {
  it('logs in through the dev IdP with PKCE and stores credentials 0600 in a 0700 directory', {
    timeout: slow,
  }, async () => {
    const run = await login('alice@example.com', join(home, 'alice', 'credentials.json'));
    expect(run.stderr).toContain('Open this URL in a browser to sign in');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Logged in to ${stack.tokenServiceUrl} as alice@example.com`);
    const file = join(home, 'alice', 'credentials.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(home, 'alice'))).mode & 0o777).toBe(0o700);
    const credentials = await readCredentials(file);
    expect(credentials).toMatchObject({
      version: 1,
      server: stack.tokenServiceUrl,
      resource: stack.mcpUrl,
      subject: 'alice@example.com',
      authorization_server: { token_endpoint: `${stack.tokenServiceUrl}/oauth/token` },
    });
    expect(credentials.client.redirect_uri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(credentials.refresh_token).toEqual(expect.any(String));
    const claims = decodeJwt(credentials.access_tokens[stack.mcpUrl]?.access_token ?? '');
    expect(claims).toMatchObject({
      aud: stack.mcpUrl,
      sub: 'alice@example.com',
      scope: 'public:read',
      client_id: credentials.client.client_id,
    });
    const issued = await stack.store.query({ type: 'token.issued', tokenId: String(claims.jti) });
    expect(issued).toHaveLength(1);
  });

  it('status shows subject, scopes, policy version, token id and expiry', { timeout: slow }, async () => {
    const file = join(home, 'alice', 'credentials.json');
    const credentials = await readCredentials(file);
    const claims = decodeJwt(credentials.access_tokens[stack.mcpUrl]?.access_token ?? '');
    const run = await mcpToken(['status', '--credentials', file]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/subject:\s+alice@example\.com/);
    expect(run.stdout).toMatch(/scopes:\s+public:read\n/);
    expect(run.stdout).toMatch(/policy:\s+2\n/);
    expect(run.stdout).toContain(`token id:     ${claims.jti}`);
    expect(run.stdout).toMatch(/expires:\s+\S+ \(in \d+m \d+s\)/);
    expect(run.stdout).toContain(`server:       ${stack.tokenServiceUrl}`);
    const json = await mcpToken(['status', '--json', '--credentials', file]);
    expect(JSON.parse(json.stdout)).toMatchObject({
      subject: 'alice@example.com',
      scopes: ['public:read'],
      policy_version: '2',
      token_id: claims.jti,
      expired: false,
      refresh_token: true,
    });
  });

  it('status exits 1 when not logged in, and when the token expired with no refresh token', {
    timeout: slow,
  }, async () => {
    const missing = await mcpToken(['status', '--credentials', join(home, 'nobody', 'credentials.json')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('ERR_NOT_LOGGED_IN');
    const credentials = await readCredentials(join(home, 'alice', 'credentials.json'));
    const expired = join(home, 'expired.json');
    const token = credentials.access_tokens[stack.mcpUrl];
    if (token === undefined) throw new Error('no token');
    const { refresh_token: _dropped, ...withoutRefresh } = credentials;
    await writeFile(
      expired,
      JSON.stringify({
        ...withoutRefresh,
        access_tokens: {
          [stack.mcpUrl]: { ...token, expires_at: new Date(Date.now() - 1000).toISOString() },
        },
      }),
    );
    const run = await mcpToken(['status', '--credentials', expired]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('(expired)');
    expect(run.stderr).toContain('ERR_SESSION_ENDED');
  });
});

describe('mcp-token login refusals', () => {
  it('reports a sign-in that policy refuses, with the reason, and stores nothing', {
    timeout: slow,
  }, async () => {
    const file = join(home, 'refused', 'credentials.json');
    const { child, done } = start(
      ['login', '--no-browser', '--scope', 'confidential:read offline_access', '--credentials', file],
      userEnv(),
    );
    const url = await lineStartingWith(child, `${stack.tokenServiceUrl}/oauth/authorize?`);
    // The token service shows the refusal; its "Return to the application" link hands the CLI the error.
    const { jar, fetch: browserFetch } = browser();
    const upstream = await scriptedLogin(url, {
      user: 'alice@example.com',
      cookies: jar,
      fetch: browserFetch,
      stopAt: `${stack.tokenServiceUrl}/oauth/upstream/callback`,
    });
    const cookie = jar.cookieHeader(upstream);
    const page = await browserFetch(upstream, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
    jar.storeFrom(upstream, page.headers);
    const html = await page.text();
    expect(page.status).toBe(403);
    const back = /href="([^"]+)"/.exec(html)?.[1]?.replaceAll('&amp;', '&') ?? '';
    const callback = await scriptedLogin(new URL(back, stack.tokenServiceUrl), {
      user: 'alice@example.com',
      cookies: jar,
      fetch: browserFetch,
      stopAt: (candidate) => candidate.hostname === '127.0.0.1' && candidate.pathname === '/callback',
    });
    expect((await fetch(callback)).status).toBe(200);
    const run = await done;
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('ERR_AUTHORIZATION_DENIED');
    expect(run.stderr).toContain('ERR_LOGIN_SCOPE_NOT_ALLOWED');
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it.each([
    ['state is not the one it sent', { state: 'not-ours' }, /state/],
    ['issuer (RFC 9207 iss) is not the token service', { iss: 'http://127.0.0.1:9/' }, /iss/],
  ])('refuses an authorization response whose %s', { timeout: slow }, async (_name, tamper, reason) => {
    const file = join(home, 'forged', 'credentials.json');
    const { child, done } = start(['login', '--no-browser', '--credentials', file], userEnv());
    const url = new URL(await lineStartingWith(child, `${stack.tokenServiceUrl}/oauth/authorize?`));
    const forged = new URL(url.searchParams.get('redirect_uri') ?? '');
    forged.search = new URLSearchParams({
      code: 'stolen',
      state: url.searchParams.get('state') ?? '',
      iss: stack.tokenServiceUrl,
      ...tamper,
    }).toString();
    expect((await fetch(forged)).status).toBe(200);
    const run = await done;
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('ERR_SERVER_REFUSED: sign-in failed');
    expect(run.stderr).toMatch(reason);
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('mcp-token header', () => {
  it('prints the stored token while it is fresh', { timeout: slow }, async () => {
    const file = join(home, 'alice', 'credentials.json');
    const stored = (await readCredentials(file)).access_tokens[stack.mcpUrl]?.access_token;
    const run = await mcpToken(['header', '--credentials', file]);
    expect(run.code, run.stderr).toBe(0);
    expect(bearer(run)).toBe(stored);
  });

  it('refreshes a token that expires within 60 s and stores the rotated refresh token', {
    timeout: slow,
  }, async () => {
    const file = join(home, 'alice', 'credentials.json');
    await expireSoon(file);
    const before = await readCredentials(file);
    const run = await mcpToken(['header', '--credentials', file]);
    expect(run.code, run.stderr).toBe(0);
    const token = bearer(run);
    const after = await readCredentials(file);
    expect(token).not.toBe(before.access_tokens[stack.mcpUrl]?.access_token);
    expect(after.access_tokens[stack.mcpUrl]?.access_token).toBe(token);
    expect(after.refresh_token).not.toBe(before.refresh_token);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ sub: 'alice@example.com', aud: stack.mcpUrl, scope: 'public:read' });
    expect(await stack.store.query({ type: 'token.refreshed', tokenId: String(claims.jti) })).toHaveLength(1);
  });

  it('refreshes once when several run at the same time, so rotation never looks like reuse', {
    timeout: slow,
  }, async () => {
    const file = join(home, 'alice', 'credentials.json');
    await expireSoon(file);
    const runs = await Promise.all([1, 2, 3].map(() => mcpToken(['header', '--credentials', file])));
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const tokens = new Set(runs.map(bearer));
    expect(tokens.size).toBe(1);
    // The grant is still alive: another refresh works.
    await expireSoon(file);
    const again = await mcpToken(['header', '--credentials', file]);
    expect(again.code, again.stderr).toBe(0);
    expect(tokens.has(bearer(again))).toBe(false);
  });
});

describe('mcp-token configure', () => {
  it('registers the MCP server in Claude Code, and claude mcp list connects through the headersHelper', {
    timeout: slow,
  }, async () => {
    const file = join(home, 'alice', 'credentials.json');
    const project = join(home, 'project');
    await mkdir(project, { recursive: true });
    const run = await mcpToken(['configure', '--credentials', file], userEnv(), project);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Added MCP server "docs"');
    expect(run.stdout).toContain('scope local');
    const config = JSON.parse(await readFile(join(home, '.claude.json'), 'utf8')) as {
      projects: Record<
        string,
        { mcpServers: Record<string, { type: string; url: string; headersHelper: string }> }
      >;
    };
    const entry = config.projects[project]?.mcpServers.docs;
    expect(entry).toMatchObject({ type: 'http', url: stack.mcpUrl });
    expect(entry?.headersHelper).toBe(`${process.execPath} ${bin} header --credentials ${file}`);

    // Claude Code runs the helper (which refreshes the nearly expired token) and connects with it.
    await expireSoon(file);
    const before = await readCredentials(file);
    const list = await claude(['mcp', 'list'], project);
    expect(list.code, list.stdout + list.stderr).toBe(0);
    expect(list.stdout).toMatch(/docs: .*Connected/);
    const after = await readCredentials(file);
    const refreshed = after.access_tokens[stack.mcpUrl]?.access_token ?? '';
    expect(refreshed).not.toBe(before.access_tokens[stack.mcpUrl]?.access_token);
    const listed = await stack.store.query({
      type: 'tools.listed',
      tokenId: String(decodeJwt(refreshed).jti),
    });
    expect(listed.length).toBeGreaterThan(0);
  });

  it('configures the user scope, replacing an entry of the same name', { timeout: slow }, async () => {
    const file = join(home, 'alice', 'credentials.json');
    const args = ['configure', '--name', 'docs-user', '--scope', 'user', '--credentials', file];
    const first = await mcpToken(args, userEnv(), home);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('Added MCP server "docs-user"');
    const second = await mcpToken(args, userEnv(), home);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('Replaced MCP server "docs-user"');
    const list = await claude(['mcp', 'list'], home);
    expect(list.code, list.stdout + list.stderr).toBe(0);
    expect(list.stdout).toMatch(/docs-user: .*Connected/);
  });
});

describe('mcp-token revoke', () => {
  it('revokes every token of a subject with a token-service token obtained from the login', {
    timeout: slow,
  }, async () => {
    const alice = join(home, 'alice', 'credentials.json');
    const security = join(home, 'security', 'credentials.json');
    // This login opens "the browser": $BROWSER, here a script that hands the URL to the test.
    const recorded = join(home, 'browser-url.txt');
    const browserScript = join(home, 'record-url.mjs');
    await writeFile(
      browserScript,
      `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(recorded)}, process.argv[2]);\n`,
    );
    const { done } = start(
      ['login', '--credentials', security],
      userEnv({ BROWSER: `${process.execPath} ${browserScript}` }),
    );
    const url = await waitForFile(recorded);
    expect(url.startsWith(`${stack.tokenServiceUrl}/oauth/authorize?`)).toBe(true);
    await browse(url, 'security@example.com');
    const loggedIn = await done;
    expect(loggedIn.code, loggedIn.stderr).toBe(0);
    expect(loggedIn.stderr).toContain('Opened your browser');

    const run = await mcpToken([
      'revoke',
      '--subject',
      'alice@example.com',
      '--reason',
      'offboarding',
      '--credentials',
      security,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Revoked every token of alice@example.com issued until');
    const eventId = /\(event ([0-9a-f-]+);/.exec(run.stdout)?.[1];
    const events = await stack.store.query({ type: 'token.revoked', subject: 'security@example.com' });
    const event = events.find((candidate) => candidate.eventId === eventId);
    expect(event).toMatchObject({ data: { revokedSubject: 'alice@example.com', reason: 'offboarding' } });
    const apiToken =
      (await readCredentials(security)).access_tokens[stack.tokenServiceUrl]?.access_token ?? '';
    expect(decodeJwt(apiToken)).toMatchObject({
      aud: stack.tokenServiceUrl,
      scope: 'audit:read tokens:revoke',
    });
    expect(event?.tokenId).toBe(decodeJwt(apiToken).jti);

    // Alice's login can no longer refresh.
    await expireSoon(alice);
    const header = await mcpToken(['header', '--credentials', alice]);
    expect(header.code).toBe(1);
    expect(header.stdout).toBe('');
    expect(header.stderr).toContain('ERR_SESSION_ENDED');
  });

  it('tells a user without tokens:revoke that policy does not allow it', { timeout: slow }, async () => {
    const file = join(home, 'alice2', 'credentials.json');
    expect((await login('alice@example.com', file)).code).toBe(0);
    const run = await mcpToken(['revoke', '--token-id', 'some-jti', '--credentials', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('ERR_SCOPE_NOT_GRANTED');
    expect(run.stderr).toContain('tokens:revoke');
    const rejected = await stack.store.query({ type: 'auth.rejected', subject: 'alice@example.com' });
    expect(rejected.some((event) => event.reasonCode === 'ERR_SCOPE_INSUFFICIENT')).toBe(true);
  });

  it('--self revokes the current access token by RFC 7009, and header then gets a new one', {
    timeout: slow,
  }, async () => {
    const file = join(home, 'alice2', 'credentials.json');
    const token = (await readCredentials(file)).access_tokens[stack.mcpUrl]?.access_token ?? '';
    const jti = String(decodeJwt(token).jti);
    const run = await mcpToken(['revoke', '--self', '--credentials', file]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Revoked your access token ${jti}`);
    const [event] = await stack.store.query({ type: 'token.revoked', tokenId: jti });
    expect(event?.data).toMatchObject({ revokedTokenId: jti, reason: 'client_revocation' });
    const header = await mcpToken(['header', '--credentials', file]);
    expect(header.code, header.stderr).toBe(0);
    expect(decodeJwt(bearer(header)).jti).not.toBe(jti);
  });

  it('refuses ambiguous or missing targets with exit status 2', { timeout: slow }, async () => {
    const none = await mcpToken(['revoke']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('exactly one of --token-id, --subject and --self');
    const both = await mcpToken(['revoke', '--self', '--subject', 'x']);
    expect(both.code).toBe(2);
    const unknown = await mcpToken(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  });
});

describe('mcp-token logout', () => {
  it('revokes the refresh token at the token service and deletes the credentials', {
    timeout: slow,
  }, async () => {
    const file = join(home, 'alice2', 'credentials.json');
    const credentials = await readCredentials(file);
    const run = await mcpToken(['logout', '--credentials', file]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Logged out: refresh token revoked');
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
    const refresh = await fetch(`${stack.tokenServiceUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: credentials.refresh_token ?? '',
        client_id: credentials.client.client_id,
      }),
    });
    expect(refresh.status).toBe(400);
    expect(((await refresh.json()) as { error: string }).error).toBe('invalid_grant');
    const status = await mcpToken(['status', '--credentials', file]);
    expect(status.code).toBe(1);
    expect(status.stderr).toContain('ERR_NOT_LOGGED_IN');
  });
});

async function waitForFile(file: string): Promise<string> {
  for (let attempt = 0; attempt < 600; attempt += 1) {
    const text = await readFile(file, 'utf8').catch(() => '');
    if (text !== '') return text;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${file} never appeared`);
}
