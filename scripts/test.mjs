#!/usr/bin/env node
// Runs vitest and ends with a plain `N passed, N failed` line (CI reads that, not vitest's summary).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

// Unset TEST_TIER (`npm test`): every tier but fault first, two files at a time, then the fault tier
// alone, one file at a time (its flood scenario measures latency; see vitest.config.ts).
const groups = process.env.TEST_TIER ? [process.env.TEST_TIER] : ['unit,int,e2e', 'fault'];
let passed = 0;
let failed = 0;
let skipped = 0;
let status = 0;
for (const [index, tiers] of groups.entries()) {
  const out = `.test-results${groups.length > 1 ? `-${index + 1}` : ''}.json`;
  rmSync(out, { force: true });
  const run = spawnSync(
    process.execPath,
    [
      'node_modules/vitest/vitest.mjs',
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${out}`,
      // `npm test -- <filter>`: a filter may match files of one group only.
      ...(groups.length > 1 && process.argv.length > 2 ? ['--passWithNoTests'] : []),
      ...process.argv.slice(2),
    ],
    { stdio: 'inherit', env: { ...process.env, TEST_TIER: tiers } },
  );
  if (run.status !== 0) status = run.status ?? 1;
  if (existsSync(out)) {
    const report = JSON.parse(readFileSync(out, 'utf8'));
    passed += report.numPassedTests ?? 0;
    failed += report.numFailedTests ?? 0;
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    // A suite that fails to load has no failed tests but must still fail the run.
    failed += (report.testResults ?? []).filter(
      (s) => s.status === 'failed' && s.assertionResults.length === 0,
    ).length;
  } else {
    failed += 1;
  }
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(status === 0 && failed === 0 ? 0 : 1);
