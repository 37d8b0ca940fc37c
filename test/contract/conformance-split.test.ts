// `npm test` must pass on a bare clone: no test it runs may read the external conformance data,
// and `npm run test:conformance` runs exactly the suites that do.
import { globSync, readFileSync } from 'node:fs';
import { matchesGlob } from 'node:path';
import { repoRoot } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';
import config, { conformanceSuites } from '../../vitest.config.ts';

const include = config.test?.include ?? [];
const exclude = config.test?.exclude ?? [];
const testFiles = include
  .flatMap((pattern) => globSync(pattern, { cwd: repoRoot, exclude: (p) => p.includes('node_modules') }))
  .sort();
const readsSharedData = (file: string) =>
  /\b(?:readConformance|sharedDir)\s*[<(]/.test(readFileSync(`${repoRoot}/${file}`, 'utf8'));
const excluded = (file: string) => exclude.some((pattern) => matchesGlob(file, pattern));

describe('the conformance split of the vitest configs', () => {
  it('leaves every test that reads the shared folder out of `npm test`', () => {
    // Prepare
    const readers = testFiles.filter(readsSharedData);
    // Act
    const runByNpmTest = readers.filter((file) => !excluded(file));
    // Assess
    expect(readers.length).toBeGreaterThanOrEqual(2);
    expect(runByNpmTest).toEqual([]);
  });

  it('runs in test:conformance exactly the tests that read the shared folder', () => {
    // Prepare
    const readers = testFiles.filter(readsSharedData);
    // Act
    const conformance = testFiles.filter((file) => conformanceSuites.some((p) => matchesGlob(file, p)));
    // Assess
    expect(conformance).toEqual(readers);
  });
});
