import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('./server.ts', import.meta.url));
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Runs the standalone entry as `node --import tsx server.ts` with only the given variables set. */
function run(env: Record<string, string>): { child: ChildProcess; stderr: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return { child, stderr: () => stderr };
}

async function waitFor(read: () => string, pattern: RegExp, child: ChildProcess): Promise<RegExpExecArray> {
  for (;;) {
    const match = pattern.exec(read());
    if (match) return match;
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${read()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('server.ts (standalone entry)', () => {
  it('serves discovery for the issuer it prints and exits 0 on SIGTERM', async () => {
    const { child, stderr } = run({ PORT: '0', APP_ENV: 'development' });
    const [, issuer = ''] = await waitFor(stderr, /issuer (http:\/\/127\.0\.0\.1:\d+) /, child);
    const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(discovery.issuer).toBe(issuer);
    expect(discovery.code_challenge_methods_supported).toEqual(['S256']);
    expect(discovery.scopes_supported).toEqual(['openid', 'email', 'profile', 'groups']);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('refuses to start with APP_ENV=production: exit 1 and a clear message, no port bound', async () => {
    const { child, stderr } = run({ PORT: '0', APP_ENV: 'production' });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(stderr()).toMatch(
      /dev-idp: failed to start: The dev IdP refuses to start when APP_ENV=production/,
    );
    expect(stderr()).not.toMatch(/issuer http/);
  });
});
