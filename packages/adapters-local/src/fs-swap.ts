import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces folder `target` with folder `staged` by rename: the old folder is moved aside first and
 * put back if the second rename fails, so the target never ends up half-written.
 */
export async function swapDir(target: string, staged: string): Promise<void> {
  // Beside the target, hidden from the `k=*` globs readers use.
  const aside = join(dirname(target), `.replaced-${basename(target)}-${randomUUID()}`);
  const had = await stat(target).then(
    () => true,
    () => false,
  );
  await mkdir(join(target, '..'), { recursive: true });
  if (had) await rename(target, aside);
  try {
    await rename(staged, target);
  } catch (error) {
    if (had) await rename(aside, target);
    throw error;
  }
  if (had) await rm(aside, { recursive: true, force: true });
}
