/**
 * What every generator under functions/codegen shares: write a generated file only when its
 * content changed, or (`--check`) only say whether it is stale; and the command-line entry point.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Writes `content` to `target`, or with `check` only says whether it is stale. Returns true when stale. */
export function writeGeneratedFile(
  target: string,
  content: string,
  options: { check?: boolean } = {},
): boolean {
  let current: string | undefined;
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === content) return false;
  if (!options.check) writeFileSync(target, content);
  return true;
}

/**
 * Runs a generator when its module is the script node was started with (`node <script> [--check]`):
 * `--check` exits 1 with the command to run when the file is stale.
 */
export function runGenerator(
  moduleUrl: string,
  file: string,
  write: (options: { check: boolean }) => boolean,
): void {
  if (!process.argv[1] || resolve(process.argv[1]) !== fileURLToPath(moduleUrl)) return;
  const check = process.argv.includes('--check');
  const script = `functions/codegen/${fileURLToPath(moduleUrl).split('/').pop()}`;
  const stale = write({ check });
  if (check && stale) {
    console.error(`stale ${file} (run node ${script})`);
    process.exit(1);
  }
  console.log(check ? `${file} is up to date` : `${file}: ${stale ? 'written' : 'unchanged'}`);
}
