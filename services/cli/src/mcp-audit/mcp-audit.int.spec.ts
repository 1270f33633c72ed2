import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signAccessToken } from '../../../shared/auth/index.js';
import { sampleAllowed, sampleDenied } from '../../../shared/testing/sample-events.js';
import { startTestStack, type TestStack } from '../../../shared/testing/start-test-stack.js';
import type { PublicAuditEvent } from '../../../token-service/src/audit-api/public-event.js';

const bin = new URL('../../bin/mcp-audit.mjs', import.meta.url).pathname;
let stack: TestStack;
let token: string;
let home: string;
const tag = randomBytes(3).toString('hex');
const subject = `carol-${tag}@example.com`;
const traceDenied = randomBytes(16).toString('hex');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    ...extra,
  };
}

function run(args: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: env(extraEnv) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const connection = () => ['--server', stack.tokenServiceUrl, '--token', token];

async function mint(scopes: string[]): Promise<string> {
  return signAccessToken(
    {
      subject: `auditor-${tag}@example.com`,
      scopes,
      clientId: 'mcp-audit-cli-test',
      audience: stack.tokenServiceUrl,
      issuer: stack.tokenServiceUrl,
      ttlSeconds: 600,
      policyVersion: '2',
    },
    stack.keys.current,
  );
}

/** Waits until the last seeded event is below the read horizon (other databases share the cluster). */
async function waitVisible(traceId: string): Promise<void> {
  const giveUpAt = Date.now() + 30_000;
  while (Date.now() < giveUpAt) {
    const response = await fetch(`${stack.tokenServiceUrl}/audit/events?trace_id=${traceId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (((await response.json()) as { events: unknown[] }).events.length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`event with trace ${traceId} never became visible`);
}

beforeAll(async () => {
  stack = await startTestStack();
  token = await mint(['audit:read']);
  home = await mkdtemp(join(tmpdir(), 'mcp-audit-home-'));
  const actor = { subject, clientId: 'claude-code', tokenId: `jti-${tag}` };
  await stack.store.append(sampleAllowed({ actor }));
  await stack.store.append(
    sampleAllowed({ actor, request: { method: 'tools/call', toolName: 'read_document' } }),
  );
  await stack.store.append(
    sampleDenied({
      actor,
      trace: { traceId: traceDenied, spanId: 'b'.repeat(16) },
      reasonCode: 'ERR_SCOPE_INSUFFICIENT',
    }),
  );
  await stack.store.append({
    type: 'token.issued',
    service: 'token-service',
    instanceId: 'test',
    actor,
    scopesGranted: ['public:read'],
    data: {
      audience: stack.mcpUrl,
      expiresAt: new Date().toISOString(),
      issuedVia: 'test',
      scopes: ['public:read'],
    },
  });
  await stack.store.append({
    type: 'login.failed',
    service: 'token-service',
    instanceId: 'test',
    actor: { subject },
    decision: 'deny',
    reasonCode: 'ERR_LOGIN_NO_POLICY_MATCH',
    trace: { traceId: randomBytes(16).toString('hex'), spanId: 'c'.repeat(16) },
    data: { issuer: 'http://idp.example' },
  });
  const lastTrace = randomBytes(16).toString('hex');
  await stack.store.append(
    sampleAllowed({
      actor: { subject: `last-${tag}` },
      trace: { traceId: lastTrace, spanId: 'd'.repeat(16) },
    }),
  );
  await waitVisible(lastTrace);
});

afterAll(async () => {
  await stack?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

describe('mcp-audit query', () => {
  it('prints an aligned table: time, type, subject, tool, decision, reason, trace id', async () => {
    const result = await run(['query', '--subject', subject, ...connection()]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TIME\s+TYPE\s+SUBJECT\s+TOOL\s+DECISION\s+REASON\s+TRACE ID$/);
    expect(lines).toHaveLength(6);
    const typeColumn = lines[0]!.indexOf('TYPE');
    const toolColumn = lines[0]!.indexOf('TOOL');
    expect(lines.slice(1).map((line) => line.slice(typeColumn).split(/\s+/)[0])).toEqual([
      'tool.call.allowed',
      'tool.call.allowed',
      'tool.call.denied',
      'token.issued',
      'login.failed',
    ]);
    expect(lines[2]!.slice(toolColumn).startsWith('read_document')).toBe(true);
    expect(lines[3]).toContain('ERR_SCOPE_INSUFFICIENT');
    expect(lines[3]).toContain(traceDenied);
    expect(lines[1]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z {2}/);
  });

  it('prints JSON lines with --json, filtered by type and trace', async () => {
    const result = await run([
      'query',
      '--trace',
      traceDenied,
      '--type',
      'tool.call.denied',
      '--json',
      ...connection(),
    ]);
    expect(result.code).toBe(0);
    const events = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as PublicAuditEvent);
    expect(events.map((event) => [event.type, event.subject, event.decision, event.trace_id])).toEqual([
      ['tool.call.denied', subject, 'deny', traceDenied],
    ]);
  });

  it('follows the cursor with --all, and points to it without', async () => {
    const all = await run([
      'query',
      '--subject',
      subject,
      '--limit',
      '2',
      '--all',
      '--json',
      ...connection(),
    ]);
    expect(all.code).toBe(0);
    const ids = all.stdout
      .trimEnd()
      .split('\n')
      .map((line) => (JSON.parse(line) as PublicAuditEvent).event_id);
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(5);

    const one = await run(['query', '--subject', subject, '--limit', '2', '--json', ...connection()]);
    expect(one.stdout.trimEnd().split('\n')).toHaveLength(2);
    const cursor = /--cursor (\S+)/.exec(one.stderr)?.[1];
    expect(cursor).toBeDefined();
    const rest = await run(['query', '--subject', subject, '--cursor', cursor!, '--json', ...connection()]);
    expect(rest.stdout.trimEnd().split('\n')).toHaveLength(3);
  });

  it('reads the token from a prior mcp-token login', async () => {
    const dir = join(home, '.config', 'mcp-token');
    await mkdir(dir, { recursive: true });
    const file = join(dir, 'credentials.json');
    const credentials = (expiresAt: string) =>
      JSON.stringify({
        version: 1,
        server: stack.tokenServiceUrl,
        access_tokens: {
          [stack.mcpUrl]: { access_token: 'not-this-one', token_type: 'Bearer', scope: 'public:read' },
          [`${stack.tokenServiceUrl}/`]: {
            access_token: token,
            token_type: 'Bearer',
            expires_at: expiresAt,
            scope: 'audit:read',
          },
        },
      });
    try {
      await writeFile(file, credentials(new Date(Date.now() + 600_000).toISOString()));
      const ok = await run(['query', '--trace', traceDenied, '--json', '--server', stack.tokenServiceUrl]);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain(traceDenied);

      await writeFile(file, credentials(new Date(Date.now() - 1_000).toISOString()));
      const expired = await run(['query', '--server', stack.tokenServiceUrl]);
      expect(expired.code).toBe(3);
      expect(expired.stderr).toMatch(/expired at .*log in again/);
    } finally {
      await rm(file, { force: true });
    }
    const none = await run(['query', '--server', stack.tokenServiceUrl]);
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/no token for .*pass --token/);
  });

  it('exits 3 naming the refusal for a token without audit:read, and 2 for a query the API rejects', async () => {
    const weak = await run([
      'query',
      '--server',
      stack.tokenServiceUrl,
      '--token',
      await mint(['public:read']),
    ]);
    expect(weak.code).toBe(3);
    expect(weak.stderr).toMatch(/403 ERR_SCOPE_INSUFFICIENT.*audit:read/);
    const invalid = await run(['query', '--decision', 'maybe', ...connection()]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/400 ERR_AUDIT_QUERY_INVALID.*decision: must be allow or deny/);
    const badFlag = await run(['query', '--subjekt', 'x']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/Unknown option '--subjekt'/);
    const unreachable = await run(['query', '--server', 'http://127.0.0.1:9', '--token', token]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/cannot reach the audit API at http:\/\/127\.0\.0\.1:9/);
  });

  it('prints --help for every command', async () => {
    for (const command of ['query', 'tail', 'export']) {
      const help = await run([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^usage: mcp-audit ${command}`));
    }
  });
});

describe('mcp-audit export', () => {
  it('writes NDJSON to --out only once complete, with a summary on stderr', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcp-audit-export-'));
    try {
      const out = join(dir, 'events.ndjson');
      const result = await run([
        'export',
        '--since',
        '1h',
        '--subject',
        subject,
        '--out',
        out,
        ...connection(),
      ]);
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(new RegExp(`exported 5 events to ${out.replaceAll('.', '\\.')}`));
      expect(await readdir(dir)).toEqual(['events.ndjson']);
      const events = (await readFile(out, 'utf8'))
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as PublicAuditEvent);
      expect(events.map((event) => event.type)).toEqual([
        'tool.call.allowed',
        'tool.call.allowed',
        'tool.call.denied',
        'token.issued',
        'login.failed',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('writes OCSF to stdout: API Activity, Authorize Session and Authentication classes', async () => {
    const result = await run(['export', '--format', 'ocsf', '--subject', subject, ...connection()]);
    expect(result.code).toBe(0);
    const events = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.map((event) => [event.class_uid, event.activity_id, event.status_id])).toEqual([
      [6003, 99, 1],
      [6003, 99, 1],
      [6003, 99, 2],
      [3003, 1, 1],
      [3002, 1, 2],
    ]);
    expect(events[2]).toMatchObject({
      type_uid: 600399,
      metadata: { correlation_uid: traceDenied, version: '1.3.0' },
    });
  });
});

describe('mcp-audit tail', () => {
  it('prints events as they are committed and exits cleanly on SIGINT', async () => {
    const followed = `tailed-${tag}@example.com`;
    const child: ChildProcess = spawn(
      process.execPath,
      [
        bin,
        'tail',
        '--subject',
        followed,
        '--since',
        new Date(Date.now() - 1_000).toISOString(),
        '--interval',
        '1',
        '--json',
        ...connection(),
      ],
      { env: env() },
    );
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const waitFor = async (count: number) => {
      const giveUpAt = Date.now() + 30_000;
      while (stdout.trimEnd().split('\n').filter(Boolean).length < count && Date.now() < giveUpAt) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    try {
      await stack.store.append(sampleAllowed({ actor: { subject: followed }, reasonCode: 'FIRST' }));
      await waitFor(1);
      await stack.store.append(sampleDenied({ actor: { subject: followed }, reasonCode: 'SECOND' }));
      await stack.store.append(sampleDenied({ actor: { subject: followed }, reasonCode: 'THIRD' }));
      await waitFor(3);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
    const reasons = stdout
      .trimEnd()
      .split('\n')
      .map((line) => (JSON.parse(line) as PublicAuditEvent).reason_code);
    expect(reasons).toEqual(['FIRST', 'SECOND', 'THIRD']);
  });
});
