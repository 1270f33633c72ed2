import { defineConfig } from 'vitest/config';

// Test tiers by suffix: *.unit.spec.ts (no I/O), *.int.spec.ts (real Postgres, real HTTP),
// *.e2e.spec.ts (whole processes). `npm test` runs them all; TEST_TIER narrows to one.
const tier = process.env.TEST_TIER;

export default defineConfig({
  test: {
    include: [tier ? `services/**/*.${tier}.spec.ts` : 'services/**/*.spec.ts', 'load-test/**/*.spec.ts'],
    globalSetup: ['services/shared/testing/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
