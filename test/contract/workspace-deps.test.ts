import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';

/** Every workspace: packages/* and functions. */
const workspaces = [
  ...readdirSync(join(repoRoot, 'packages')).map((p) => join('packages', p)),
  'functions',
].filter((dir) => {
  try {
    return statSync(join(repoRoot, dir, 'package.json')).isFile();
  } catch {
    return false;
  }
});

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...tsFiles(path));
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

describe('workspace dependencies', () => {
  it.each(workspaces)('%s declares every @lakeops package it imports', (dir) => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, dir, 'package.json'), 'utf8')) as {
      name: string;
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    const declared = new Set([
      ...Object.keys(pkg.dependencies ?? {}),
      ...Object.keys(pkg.devDependencies ?? {}),
    ]);
    const missing = new Set<string>();
    for (const file of tsFiles(join(repoRoot, dir))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/from '(@lakeops\/[a-z-]+)|import\('(@lakeops\/[a-z-]+)/g)) {
        const name = m[1] ?? m[2];
        if (name && name !== pkg.name && !declared.has(name))
          missing.add(`${name} (${relative(repoRoot, file)})`);
      }
    }
    expect([...missing]).toEqual([]);
  });

  // @lakeops/testing is the one shared test-helper package (fakes of core's ports, event builders,
  // the behaviour suites): every package's tests may use it, so edges to it are not counted.
  it('form no cycle, counting devDependencies (lake devDepended on adapters-local, which depends on lake)', () => {
    // Prepare
    const graph = new Map<string, string[]>();
    for (const dir of workspaces) {
      const pkg = JSON.parse(readFileSync(join(repoRoot, dir, 'package.json'), 'utf8')) as {
        name: string;
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      };
      const deps = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})];
      graph.set(
        pkg.name,
        deps.filter((d) => d.startsWith('@lakeops/') && d !== '@lakeops/testing'),
      );
    }
    // Act
    const cycles = findCycles(graph);
    // Assess
    expect(cycles).toEqual([]);
  });
});

/** Every dependency cycle (as `a -> b -> a`) reachable in `graph`, found by depth-first search. */
function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const cycles: string[] = [];
  const done = new Set<string>();
  const visit = (node: string, path: string[]) => {
    const at = path.indexOf(node);
    if (at >= 0) {
      cycles.push([...path.slice(at), node].join(' -> '));
      return;
    }
    if (done.has(node)) return;
    for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
    done.add(node);
  };
  for (const node of graph.keys()) visit(node, []);
  return cycles;
}
