import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { treeChanges, treeState } from '../src/source-tree-guard.ts';

let dir: string;
const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });

beforeEach(() => {
  // Prepare: a repository with one committed file, one already-modified file and an ignored folder.
  dir = mkdtempSync(join(tmpdir(), 'lakeops-guard-'));
  git('init', '-q', '-b', 'main');
  writeFileSync(join(dir, '.gitignore'), 'ignored/\n');
  writeFileSync(join(dir, 'kept.ts'), 'a\n');
  writeFileSync(join(dir, 'edited.ts'), 'a\n');
  git('add', '-A');
  git('-c', 'user.email=g@test.invalid', '-c', 'user.name=g', 'commit', '-q', '-m', 'init');
  writeFileSync(join(dir, 'edited.ts'), 'b\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the source-tree guard (vitest global setup)', () => {
  it('sees a new file, a further edit to an already-modified file and a deleted file, not ignored paths', () => {
    // Prepare
    const before = treeState(dir);
    // Act
    writeFileSync(join(dir, 'new.txt'), 'x');
    writeFileSync(join(dir, 'edited.ts'), 'c\n');
    rmSync(join(dir, 'kept.ts'));
    mkdirSync(join(dir, 'ignored'));
    writeFileSync(join(dir, 'ignored', 'out.json'), '{}');
    const after = treeState(dir);
    // Assess
    expect(before && after && treeChanges(before, after)).toEqual(['edited.ts', 'kept.ts', 'new.txt']);
  });

  it('reports nothing when the suite left the tree as it found it', () => {
    const before = treeState(dir);
    expect(before && treeChanges(before, treeState(dir) ?? new Map())).toEqual([]);
  });
});
