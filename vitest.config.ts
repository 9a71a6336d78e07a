import { defineConfig } from 'vitest/config';

// Workspace packages expose a "source" export condition pointing at src/index.ts, so tests run against
// the TypeScript sources without a build; child processes spawned by integration tests use dist/.
const conditions = ['source', 'node', 'import', 'module', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['apps/*/src/**/*.test.ts', 'libs/*/src/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Integration suites start real processes (sim, redis-server, operator roles): run files one or
          // two at a time on our 2-core machines so timing-sensitive leader election stays honest.
          fileParallelism: true,
          maxWorkers: 2,
        },
      },
    ],
  },
});
