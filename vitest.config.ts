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
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
