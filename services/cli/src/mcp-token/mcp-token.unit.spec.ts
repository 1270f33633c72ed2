import { describe, expect, it } from 'vitest';
import { shellQuote } from './claude/headers-helper-command.js';
import type { CliContext } from './cli-context.js';
import { credentialsPath } from './credentials/credentials-path.js';
import { chooseBrowser } from './oauth/open-browser.js';
import { runCli } from './run-cli.js';
import { canonicalUrl, parseServiceUrl } from './server-url.js';

function capture(): { context: CliContext; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    context: {
      env: { HOME: '/home/test' },
      stdout: (text) => out.push(text),
      stderr: (text) => err.push(text),
      now: () => new Date('2030-01-01T00:00:00Z'),
      cwd: '/work',
    },
  };
}

describe('credentialsPath', () => {
  it('prefers --credentials, then MCP_TOKEN_CREDENTIALS, then XDG_CONFIG_HOME, then ~/.config', () => {
    expect(credentialsPath('c.json', { MCP_TOKEN_CREDENTIALS: '/x.json' }, '/work')).toBe('/work/c.json');
    expect(credentialsPath(undefined, { MCP_TOKEN_CREDENTIALS: '/x.json' }, '/work')).toBe('/x.json');
    expect(credentialsPath(undefined, { XDG_CONFIG_HOME: '/cfg', HOME: '/h' }, '/')).toBe(
      '/cfg/mcp-token/credentials.json',
    );
    expect(credentialsPath(undefined, { XDG_CONFIG_HOME: 'relative', HOME: '/h' }, '/')).toBe(
      '/h/.config/mcp-token/credentials.json',
    );
  });
});

describe('chooseBrowser', () => {
  it('uses $BROWSER first, then open or xdg-open, and only prints without a display or with --no-browser', () => {
    expect(chooseBrowser({ BROWSER: 'firefox:chromium' }, 'linux', false)).toEqual({
      open: true,
      command: 'firefox',
    });
    expect(chooseBrowser({}, 'darwin', false)).toEqual({ open: true, command: 'open' });
    expect(chooseBrowser({ DISPLAY: ':0' }, 'linux', false)).toEqual({ open: true, command: 'xdg-open' });
    expect(chooseBrowser({}, 'linux', false)).toEqual({ open: false, why: 'no display' });
    expect(chooseBrowser({ BROWSER: 'firefox' }, 'linux', true)).toEqual({
      open: false,
      why: '--no-browser',
    });
  });
});

describe('shellQuote', () => {
  it('leaves plain paths alone and single-quotes anything else', () => {
    expect(shellQuote('/usr/bin/node')).toBe('/usr/bin/node');
    expect(shellQuote('/home/a b/c.json')).toBe(`'/home/a b/c.json'`);
    expect(shellQuote(`it's`)).toBe(`'it'\\''s'`);
    expect(shellQuote('$(rm -rf ~)')).toBe(`'$(rm -rf ~)'`);
  });
});

describe('parseServiceUrl', () => {
  it('accepts https anywhere and http on loopback only', () => {
    expect(canonicalUrl(parseServiceUrl('http://127.0.0.1:8081/', '--server'))).toBe('http://127.0.0.1:8081');
    expect(canonicalUrl(parseServiceUrl('https://auth.example.com', '--server'))).toBe(
      'https://auth.example.com',
    );
    expect(canonicalUrl(parseServiceUrl('http://localhost:8080/mcp', '--resource'))).toBe(
      'http://localhost:8080/mcp',
    );
    expect(() => parseServiceUrl('http://auth.example.com', '--server')).toThrow(/must use https/);
    expect(() => parseServiceUrl('ftp://x', '--server')).toThrow(/absolute http\(s\) URL/);
  });
});

describe('runCli', () => {
  it('prints help for a command and exits 0', async () => {
    const { context, out } = capture();
    expect(await runCli(['status', '--help'], context)).toBe(0);
    expect(out.join('')).toContain('usage: mcp-token status');
  });

  it('exits 2 on a usage error, naming the problem', async () => {
    const { context, err } = capture();
    expect(await runCli(['login', '--server', 'http://evil.example'], context)).toBe(2);
    expect(err.join('')).toContain('ERR_USAGE: --server must use https');
    expect(await runCli(['header', '--min-validity', 'soon'], capture().context)).toBe(2);
    expect(await runCli([], capture().context)).toBe(2);
  });

  it('exits 1 when not logged in', async () => {
    const { context, err } = capture();
    const run = await runCli(['header', '--credentials', '/nonexistent/credentials.json'], context);
    expect(run).toBe(1);
    expect(err.join('')).toContain('ERR_NOT_LOGGED_IN');
  });
});
