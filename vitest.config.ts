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
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
