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
});
