import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in packages/testing/src). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * The project's shared folder, beside the checkout (`../shared`), or `LAKEOPS_SHARED_DIR`.
 * Conformance data is read from there at test time and never copied into the repo.
 */
export function sharedDir(): string {
  const dir = process.env.LAKEOPS_SHARED_DIR ?? resolve(repoRoot, '../shared');
  if (!existsSync(dir)) {
    throw new Error(
      `shared folder not found at ${dir}: clone lakeops beside shared/ or set LAKEOPS_SHARED_DIR`,
    );
  }
  return dir;
}

/** Reads and parses one conformance file, e.g. `readConformance('eventbridge-patterns.json')`. */
export function readConformance<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(join(sharedDir(), 'conformance', name), 'utf8')) as T;
}
