import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { repoRoot } from '@lakeops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let tree: string;

/** Writes `files` into the temp tree (the project's layout, so the rules' paths apply). */
async function plant(files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(tree, path)), { recursive: true });
    await writeFile(join(tree, path), text);
  }
}

/** Runs dependency-cruiser with the project's rules over files of the temp tree, JSON output. */
function cruise(files: string[]) {
  const r = spawnSync(
    join(repoRoot, 'node_modules/.bin/depcruise'),
    ['--config', join(repoRoot, '.dependency-cruiser.cjs'), '--output-type', 'json', ...files],
    { cwd: tree, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const out = JSON.parse(r.stdout) as {
    summary: { violations: { rule: { name: string }; from: string; to: string }[] };
  };
  return out.summary.violations;
}

beforeAll(async () => {
  // A throw-away tree with the project's layout, outside the source tree: the planted violations
  // never touch the repository. A stand-in @lakeops/adapters-local is linked into its node_modules.
  tree = await mkdtemp(join(tmpdir(), 'lakeops-layers-'));
  await copyFile(join(repoRoot, 'tsconfig.json'), join(tree, 'tsconfig.json'));
  await plant({
    'packages/adapters-local/package.json': JSON.stringify({
      name: '@lakeops/adapters-local',
      type: 'module',
      exports: { '.': './src/index.ts' },
    }),
    'packages/adapters-local/src/index.ts': 'export const JsonlDeadLetter = 1;\n',
  });
  await mkdir(join(tree, 'node_modules/@lakeops'), { recursive: true });
  await symlink('../../packages/adapters-local', join(tree, 'node_modules/@lakeops/adapters-local'));
});

afterAll(async () => {
  await rm(tree, { recursive: true, force: true });
});

describe('layer rules (dependency-cruiser) catch what they promise', () => {
  it('flags core touching the filesystem, functions or lake loading local adapters, and an AWS import in event-patterns', async () => {
    // Prepare: four files that break one rule each, in the temp tree.
    const bad = {
      'packages/core/src/violation.ts': `import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n`,
      'functions/violation.ts': `export { JsonlDeadLetter } from '@lakeops/adapters-local';\n`,
      'packages/event-patterns/src/violation.ts': `export { EventBridgeClient } from '@aws-sdk/client-eventbridge';\n`,
      'packages/lake/test/violation.test.ts': `export { JsonlDeadLetter } from '@lakeops/adapters-local';\n`,
    };
    await plant(bad);
    // Act
    const violations = cruise(Object.keys(bad));
    // Assess
    const rules = violations.map((v) => `${v.rule.name} ${v.from}`);
    expect(rules).toEqual(
      expect.arrayContaining([
        'core-imports-no-infrastructure packages/core/src/violation.ts',
        'functions-never-load-local-only-code functions/violation.ts',
        'event-patterns-stands-alone packages/event-patterns/src/violation.ts',
        'lake-does-not-load-adapters packages/lake/test/violation.test.ts',
      ]),
    );
  });

  it('flags experiments importing a Node built-in or another lakeops package', async () => {
    // Prepare
    const bad = {
      'packages/experiments/src/uses-node.ts': `import { createHash } from 'node:crypto';\nexport const x = createHash;\n`,
      'packages/experiments/src/uses-adapter.ts': `export { JsonlDeadLetter } from '@lakeops/adapters-local';\n`,
    };
    await plant(bad);
    // Act
    const violations = cruise(Object.keys(bad));
    // Assess
    expect(violations.map((v) => `${v.rule.name} ${v.from}`)).toEqual(
      expect.arrayContaining([
        'experiments-stands-alone packages/experiments/src/uses-node.ts',
        'experiments-stands-alone packages/experiments/src/uses-adapter.ts',
      ]),
    );
  });

  it('flags the console reading an adapter, and a console page touching the filesystem (its node:http driver may)', async () => {
    // Prepare
    const bad = {
      'packages/console/src/uses-adapter.ts': `export { JsonlDeadLetter } from '@lakeops/adapters-local';\n`,
      'packages/console/src/uses-fs.ts': `import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n`,
      'packages/console/src/node-http-console.ts': `import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n`,
    };
    await plant(bad);
    // Act
    const violations = cruise(Object.keys(bad));
    // Assess
    expect(violations.map((v) => `${v.rule.name} ${v.from}`).sort()).toEqual([
      'console-pages-use-no-node-built-ins packages/console/src/uses-fs.ts',
      'console-reads-through-ports packages/console/src/uses-adapter.ts',
    ]);
  });
});
