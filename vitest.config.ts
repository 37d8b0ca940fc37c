import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The conformance suites read external data (`../shared/conformance` or `LAKEOPS_SHARED_DIR`):
 * `npm test` leaves them out so it passes on a bare clone; `npm run test:conformance` runs them
 * (vitest.conformance.config.ts).
 */
export const conformanceSuites = ['packages/*/test/conformance.test.ts'];

export default defineConfig({
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'functions/**/*.test.ts',
      'stacks/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    exclude: [...configDefaults.exclude, ...conformanceSuites],
    setupFiles: ['packages/testing/src/setup.ts'],
    // Fails the run when a test wrote into the source tree (git status changed during the run).
    globalSetup: ['packages/testing/src/source-tree-guard.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
