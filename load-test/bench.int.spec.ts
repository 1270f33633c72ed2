import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';

const run = promisify(execFile);

describe('npm run bench -- --quick', () => {
  it('starts both servers, drives them and prints every section', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'load-test/bench.ts', '--quick'], {
      timeout: 110_000,
      env: { ...process.env, DATABASE_URL: inject('adminDatabaseUrl') },
    });
    expect(stdout).toMatch(/^\s+1\s+\d+\s+\d+\s+[\d.]+×/m);
    expect(stdout).toMatch(/^\s+16\s+\d+\s+\d+\s+[\d.]+×/m);
    expect(stdout).toMatch(/^\s+64\s+\d+\s+\d+\s+[\d.]+×/m);
    expect(stdout).toMatch(/\d+ MiB\s+\d+ MiB/);
    // One ratio per round (the quick run has one).
    expect(stdout).toMatch(/measured [\d.]+×; round by round [\d.]+\)/);
    expect(stdout).toMatch(/producers:\s+\d+ events\/s, commit p50 [\d.]+ ms, p99 [\d.]+ ms/);
    expect(stdout).toMatch(/\(10 revocations, 0 not seen within 5 s\)/);
    expect(stdout).toMatch(/commit → refused by both: p50 [\d.]+ ms, p99 [\d.]+ ms/);
    expect(stdout).toMatch(/Cold start to \/ready: project \d+ ms; baseline \d+ ms/);
    // Every request of the smoke run was answered as designed by both servers.
    expect(stdout).not.toMatch(/errors:/);
  }, 120_000);
});
