import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@lakeops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SCHEMA = 'packages/contracts/events/deploy.failed.v1.schema.json';
let parent: string;
let clone: string;
const git = (...args: string[]) => execFileSync('git', args, { cwd: clone, encoding: 'utf8', stdio: 'pipe' });

beforeAll(() => {
  // Prepare: a fresh clone of this repository's HEAD (as CI makes it), sharing node_modules.
  parent = mkdtempSync(join(tmpdir(), 'lakeops-ci-clone-'));
  clone = join(parent, 'repo');
  execFileSync('git', ['clone', '-q', '--no-hardlinks', repoRoot, clone], { stdio: 'pipe' });
  symlinkSync(join(repoRoot, 'node_modules'), join(clone, 'node_modules'));
  git('config', 'user.email', 'ci@test.invalid');
  git('config', 'user.name', 'ci test');
});
afterAll(() => rmSync(parent, { recursive: true, force: true }));

/** Runs `.ci/schemas-check` in the clone, as `.ci/run` does; origin/main is wherever the clone says. */
function schemasCheck() {
  return spawnSync('bash', ['.ci/schemas-check'], {
    cwd: clone,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? parent, LAKEOPS_BASE_REF: 'HEAD' },
  });
}

describe('.ci/schemas-check on a clean clone (the base is HEAD itself)', () => {
  it('passes as cloned, then fails once a breaking edit of a v1 schema is committed on top', () => {
    // Act 1: as cloned.
    const clean = schemasCheck();
    // Assess 1
    expect(clean.status, clean.stdout + clean.stderr).toBe(0);
    // Prepare 2: make a field required in deploy.failed v1 itself and commit it.
    const schema = JSON.parse(readFileSync(join(clone, SCHEMA), 'utf8')) as { required: string[] };
    schema.required.push('error');
    writeFileSync(join(clone, SCHEMA), `${JSON.stringify(schema, null, 2)}\n`);
    git('commit', '-q', '-am', 'deploy.failed v1: error is required');
    // Act 2
    const broken = schemasCheck();
    // Assess 2
    expect(broken.status).toBe(1);
    expect(broken.stdout).toMatch(
      /✗ packages\/contracts\/events\/deploy\.failed\.v1\.schema\.json: breaking change to an existing version \(BACKWARD\) since commit [0-9a-f]{12} .*\/required\/error an existing property became required/,
    );
  });
});
