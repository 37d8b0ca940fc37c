import { spawnSync } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';

/** Runs dependency-cruiser with the project's rules over the given files, JSON output. */
function cruise(files: string[]) {
  const r = spawnSync(
    join(repoRoot, 'node_modules/.bin/depcruise'),
    ['--config', '.dependency-cruiser.cjs', '--output-type', 'json', ...files],
    { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const out = JSON.parse(r.stdout) as {
    summary: { violations: { rule: { name: string }; from: string; to: string }[] };
  };
  return out.summary.violations;
}

describe('layer rules (dependency-cruiser) catch what they promise', () => {
  it('flags core touching the filesystem, functions loading local-only code, and an AWS import in event-patterns', async () => {
    // Prepare: three files that break one rule each (removed afterwards).
    const tag = `tmp-violation-${process.pid}`;
    const bad = {
      [`packages/core/src/${tag}.ts`]: `import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n`,
      [`functions/${tag}.ts`]: `export { JsonlDeadLetter } from '@lakeops/adapters-local';\n`,
      [`packages/event-patterns/src/${tag}.ts`]: `export { EventBridgeClient } from '@aws-sdk/client-eventbridge';\n`,
    };
    try {
      for (const [file, text] of Object.entries(bad)) await writeFile(join(repoRoot, file), text);
      // Act
      const violations = cruise(Object.keys(bad));
      // Assess
      const rules = violations.map((v) => `${v.rule.name} ${v.from}`);
      expect(rules).toEqual(
        expect.arrayContaining([
          `core-imports-no-infrastructure packages/core/src/${tag}.ts`,
          `functions-never-load-local-only-code functions/${tag}.ts`,
          `event-patterns-stands-alone packages/event-patterns/src/${tag}.ts`,
        ]),
      );
    } finally {
      for (const file of Object.keys(bad)) await rm(join(repoRoot, file), { force: true });
    }
  });
});
