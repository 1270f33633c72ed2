import { defineConfig } from 'vitest/config';

// Test tiers by suffix: *.unit.spec.ts (no I/O), *.int.spec.ts (real Postgres, real HTTP),
// *.e2e.spec.ts (whole processes), *.fault.spec.ts (a PostgreSQL of their own that they crash, servers
// under load). TEST_TIER names one tier or several (`unit,int`); unset, all of them.
const tiers = (process.env.TEST_TIER ?? 'unit,int,e2e,fault').split(',');
// The fault tier measures latency under load (the flood scenario) and times deadlines: its files run
// one at a time, with nothing else on the machine's two cores (scripts/test.mjs runs it last, alone).
const faultOnly = tiers.length === 1 && tiers[0] === 'fault';

export default defineConfig({
  test: {
    include: tiers.flatMap((tier) => [`services/**/*.${tier}.spec.ts`, `load-test/**/*.${tier}.spec.ts`]),
    globalSetup: ['services/shared/testing/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: faultOnly ? 1 : 2,
  },
});
