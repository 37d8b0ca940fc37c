import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'functions/**/*.test.ts',
      'stacks/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    setupFiles: ['packages/testing/src/setup.ts'],
    // Fails the run when a test wrote into the source tree (git status changed during the run).
    globalSetup: ['packages/testing/src/source-tree-guard.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
