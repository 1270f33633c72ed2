import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LoadReport } from './lib/load-stats.js';
import { type LocalStack, startLocalStack } from './lib/local-stack.js';

const run = promisify(execFile);
let stack: LocalStack;
let url: string;

beforeAll(async () => {
  stack = await startLocalStack({ prefix: 'load_test', adminUrl: inject('adminDatabaseUrl') });
  url = (await stack.startMcpServer({ name: 'mcp-load-test' })).url;
}, 60_000);

afterAll(async () => {
  await stack?.close();
}, 30_000);

async function load(args: string[]): Promise<LoadReport> {
  const { stdout } = await run(
    process.execPath,
    [
      '--import',
      'tsx',
      'load-test/load.ts',
      '--url',
      url,
      '--token-service',
      stack.tokenServiceUrl,
      '--admin-secret-file',
      join(stack.dataDir, 'dev-admin-secret'),
      '--json',
      ...args,
    ],
    { timeout: 60_000 },
  );
  return JSON.parse(stdout) as LoadReport;
}

describe('npm run load', () => {
  it('ramps virtual MCP clients with dev tokens of several scope mixes and reports them as JSON', async () => {
    const report = await load(['--ramp', '2:6:2s', '--duration', '3s', '--tokens-per-profile', '2']);
    expect(report.stoppedBy).toBe('duration');
    expect(report.peakUsers).toBe(6);
    expect(report.requests).toBeGreaterThan(20);
    expect(Object.keys(report.byMethod).sort()).toEqual([
      'initialize',
      'notifications/initialized',
      'tools/call',
      'tools/list',
    ]);
    expect(report.toolCalls.allowed).toBeGreaterThan(0);
    expect(report.toolCalls.denied).toBeGreaterThan(0);
    expect(report.outcomes['denied ERR_SCOPE_INSUFFICIENT']).toBe(report.toolCalls.denied);
    expect(report.errorsByKind).toEqual({});
    expect(report.latencyMs.p50).toBeLessThanOrEqual(report.latencyMs.p99);
    expect(report.latencyMs.p99).toBeLessThanOrEqual(report.latencyMs.max);
  }, 60_000);

  it('stops by itself at the request budget', async () => {
    const report = await load([
      '--users',
      '4',
      '--duration',
      '30s',
      '--max-requests',
      '40',
      '--no-initialize',
    ]);
    expect(report.stoppedBy).toBe('max-requests');
    expect(report.requests).toBe(40);
    expect(report.byMethod.initialize).toBeUndefined();
  }, 60_000);
});
