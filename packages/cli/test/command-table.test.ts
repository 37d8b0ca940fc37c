// The command table (src/commands/index.ts): `lakeops --help` is served from it alone, and each
// entry agrees with the command module it loads.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@lakeops/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { commands } from '../src/commands/index.ts';

const work = mkdtempSync(join(tmpdir(), 'lakeops-command-table-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The module URLs a real `lakeops <args>` process loads (Node's module hooks, printed to stderr). */
function modulesLoadedBy(args: readonly string[]): string[] {
  const hook = join(work, 'record-loads.mjs');
  writeFileSync(
    hook,
    `import { registerHooks } from 'node:module';
registerHooks({ load(url, context, next) { process.stderr.write('load ' + url + '\\n'); return next(url, context); } });`,
  );
  const r = spawnSync(
    process.execPath,
    ['--import', hook, join(repoRoot, 'packages/cli/bin/lakeops.js'), ...args],
    {
      encoding: 'utf8',
      env: { ...process.env, NODE_DISABLE_COMPILE_CACHE: '1', LAKEOPS_HOME: join(work, 'home') },
    },
  );
  expect(r.status).toBe(0);
  return r.stderr
    .split('\n')
    .filter((l) => l.startsWith('load '))
    .map((l) => l.slice(5));
}

describe('the command table', () => {
  it('serves `lakeops --help` without loading any command module or heavy dependency', () => {
    // Act
    const loaded = modulesLoadedBy(['--help']);
    // Assess
    expect(loaded.some((u) => u.endsWith('/packages/cli/src/commands/index.ts'))).toBe(true);
    expect(loaded.filter((u) => /\/src\/commands\/(?!index\.ts)/.test(u))).toEqual([]);
    expect(loaded.filter((u) => /@duckdb|@aws-sdk|@lakeops\/(?!cli)|\/packages\/(?!cli)/.test(u))).toEqual(
      [],
    );
  });

  it('loads only the module of the command that runs', () => {
    // Act
    const loaded = modulesLoadedBy(['query', '--help']);
    // Assess
    expect(
      loaded.filter((u) => /\/src\/commands\/(?!index\.ts)/.test(u)).map((u) => u.split('/').at(-1)),
    ).toEqual(['query.ts']);
  });

  it.each(commands.map((c) => [c.name, c] as const))(
    'lists %s as its module defines it',
    async (name, entry) => {
      // Act
      const command = await entry.load();
      // Assess
      expect(command.name).toBe(name);
      expect(command.summary).toBe(entry.summary);
      expect(command.help.length).toBeGreaterThan(0);
    },
  );
});
