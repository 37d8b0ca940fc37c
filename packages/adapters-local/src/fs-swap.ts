import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces folder `target` with folder `staged` by rename: the old folder is moved aside first and
 * put back if the second rename fails, so the target never ends up half-written. With `keepOldAt`
 * the old folder is moved there (a backup by rename, for a caller that verifies first) and kept;
 * otherwise it is deleted.
 */
export async function swapDir(target: string, staged: string, keepOldAt?: string): Promise<void> {
  // Beside the target, hidden from the `k=*` globs readers use.
  const aside = keepOldAt ?? join(dirname(target), `.replaced-${basename(target)}-${randomUUID()}`);
  const had = await exists(target);
  await mkdir(join(target, '..'), { recursive: true });
  if (had) {
    if (keepOldAt) await mkdir(dirname(keepOldAt), { recursive: true });
    await rename(target, aside);
  }
  try {
    await rename(staged, target);
  } catch (error) {
    if (had) await rename(aside, target);
    throw error;
  }
  if (had && !keepOldAt) await rm(aside, { recursive: true, force: true });
}

/** Moves folder `target` to `keepOldAt` (a partition the rewrite left empty, kept as its backup). */
export async function moveDir(target: string, keepOldAt: string): Promise<boolean> {
  if (!(await exists(target))) return false;
  await mkdir(dirname(keepOldAt), { recursive: true });
  await rename(target, keepOldAt);
  return true;
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
