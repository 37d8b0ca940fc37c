import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import { sharedDir } from './packages/testing/src/shared-data.ts';
import { conformanceSuites } from './vitest.config.ts';

// `npm run test:conformance`: the suites that check lakeops against external conformance data
// (EventBridge patterns recorded from AWS, Confluent's JSON Schema compatibility cases), read from
// `LAKEOPS_SHARED_DIR` or `../shared` beside the checkout. Missing data is an error, never a skip.
const conformance = join(sharedDir(), 'conformance');
if (!existsSync(conformance)) {
  throw new Error(`conformance data not found at ${conformance} (set LAKEOPS_SHARED_DIR)`);
}

export default defineConfig({
  test: {
    include: conformanceSuites,
    setupFiles: ['packages/testing/src/setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    reporters: ['default'],
  },
});
