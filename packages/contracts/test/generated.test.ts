import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate, leftovers, packageDir } from '../src/codegen/generate.ts';

describe('generated files (types, validators, schema index)', () => {
  it('are up to date with the schema files (run node packages/contracts/src/codegen/generate.ts)', async () => {
    // Act
    const files = await generate();
    // Assess
    for (const [path, content] of files) {
      expect(readFileSync(join(packageDir, path), 'utf8'), `${path} is stale`).toBe(content);
    }
    expect(leftovers(packageDir, files), 'generated files whose schema is gone').toEqual([]);
  });
});
