/**
 * Vitest global setup: tests must never write into the source tree (they use os.tmpdir()). At the
 * start of a run this records `git status --porcelain` (and a hash of each listed file, so a file
 * that was already modified is still watched); after the run it fails the run when a file outside
 * the ignored paths (.gitignore: node_modules, .lakeops, …) appeared, changed or went away.
 * Registered in vitest.config.ts (`globalSetup`). Outside a git work tree it does nothing.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './shared-data.ts';

/** Path → its porcelain status and a hash of its content (or `absent`). */
export type TreeState = Map<string, string>;

/** The files git reports as untracked, modified or deleted under `dir`, with their content hash. */
export function treeState(dir: string): TreeState | undefined {
  let porcelain: string;
  try {
    porcelain = execFileSync('git', ['status', '--porcelain=v1', '-z', '--untracked-files=all'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 << 20,
    });
  } catch {
    return undefined; // not a git work tree (e.g. an unpacked tarball): nothing to guard
  }
  const state: TreeState = new Map();
  for (const entry of porcelain.split('\0')) {
    if (entry.length < 4) continue;
    const status = entry.slice(0, 2);
    const path = entry.slice(3);
    state.set(path, `${status} ${hashOf(join(dir, path))}`);
  }
  return state;
}

function hashOf(file: string): string {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return 'absent';
  }
}

/** The paths whose state differs between `before` and `after`. */
export function treeChanges(before: TreeState, after: TreeState): string[] {
  const changed = new Set<string>();
  for (const [path, state] of after) if (before.get(path) !== state) changed.add(path);
  for (const path of before.keys()) if (!after.has(path)) changed.add(path);
  return [...changed].sort();
}

let before: TreeState | undefined;

export function setup(): void {
  before = treeState(repoRoot);
}

export function teardown(): void {
  if (!before) return;
  const after = treeState(repoRoot);
  if (!after) return;
  const changes = treeChanges(before, after);
  if (changes.length > 0) {
    // Vitest reports an error thrown here but keeps its exit code: set ours.
    process.exitCode = 1;
    throw new Error(
      `tests wrote into the source tree (use os.tmpdir()): ${changes.join(', ')}. ` +
        '(Files edited by hand while the suite ran show up here too.)',
    );
  }
}
