import { defineConfig } from 'vitest/config';

// The fault-injection tier alone: `npx vitest run --config services/fault-injection/vitest.config.ts`.
// Each spec starts its own PostgreSQL (initdb + pg_ctl) and server processes, so no global setup.
export default defineConfig({
  test: {
    include: ['services/fault-injection/**/*.fault.spec.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
