import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { mkdir, rename, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Where `swapDir` moves a folder's old version during a swap: beside it, hidden from the `k=*` globs readers use. */
export function asideOf(target: string): string {
  return join(dirname(target), `.replaced-${basename(target)}`);
}

/**
 * Replaces folder `target` with folder `staged` by rename: the old folder is moved aside first and
 * put back if the second rename fails, so the target never ends up half-written. With `keepOldAt`
 * the old folder is moved there (a backup by rename, for a caller that verifies first) and kept;
 * otherwise it is deleted. A swap killed between its two renames left the target missing and its
 * old version aside: that is settled first (`settleInterruptedSwap`).
 */
export async function swapDir(target: string, staged: string, keepOldAt?: string): Promise<void> {
  // Synchronous steps (a rename is a few µs; through the thread pool each costs a round trip, and
  // a write swaps every partition it owns).
  const aside = keepOldAt ?? asideOf(target);
  if (!keepOldAt) settleInterruptedSwap(target);
  const had = existsSync(target);
  mkdirSync(dirname(target), { recursive: true });
  if (had) {
    if (keepOldAt) mkdirSync(dirname(keepOldAt), { recursive: true });
    renameSync(target, aside);
  }
  try {
    renameSync(staged, target);
  } catch (error) {
    if (had) renameSync(aside, target);
    throw error;
  }
  if (had && !keepOldAt) rmSync(aside, { recursive: true, force: true });
}

/**
 * After a `swapDir` of `target` that was killed: its old version still aside and the target
 * missing (killed between the two renames) → the old version goes back (`restored`); both there
 * (killed before the aside was deleted) → the aside goes (`removed`). Synchronous: a `stat` when
 * nothing was interrupted. Also settles the names of earlier versions (`.replaced-<name>-<uuid>`).
 */
export function settleInterruptedSwap(target: string): 'restored' | 'removed' | undefined {
  const aside = asideOf(target);
  if (!existsSync(aside)) return undefined;
  if (!existsSync(target)) {
    renameSync(aside, target);
    return 'restored';
  }
  rmSync(aside, { recursive: true, force: true });
  return 'removed';
}

/**
 * Settles every interrupted swap under `dir`, down `depth` folder levels (a table's folder and its
 * partition keys): the folders a killed swap left missing are put back before anything reads them.
 * Returns the targets restored and the asides removed.
 */
export function recoverInterruptedSwaps(
  dir: string,
  depth: number,
): { readonly restored: string[]; readonly removed: string[] } {
  const out = { restored: [] as string[], removed: [] as string[] };
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (!entry.startsWith('.replaced-')) continue;
    // `.replaced-<name>`, or `.replaced-<name>-<uuid>` as earlier versions named it.
    const name = entry
      .slice('.replaced-'.length)
      .replace(/-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, '');
    const target = join(dir, name);
    if (entry !== basename(asideOf(target))) {
      if (existsSync(asideOf(target))) rmSync(join(dir, entry), { recursive: true, force: true });
      else renameSync(join(dir, entry), asideOf(target));
    }
    const settled = settleInterruptedSwap(target);
    if (settled === 'restored') out.restored.push(target);
    if (settled === 'removed') out.removed.push(asideOf(target));
  }
  if (depth > 0) {
    for (const entry of readdirSync(dir)) {
      if (entry.startsWith('.') || entry.startsWith('_') || !entry.includes('=')) continue;
      const below = recoverInterruptedSwaps(join(dir, entry), depth - 1);
      out.restored.push(...below.restored);
      out.removed.push(...below.removed);
    }
  }
  return out;
}

/** How old a leftover under `_staging/` must be before an engine opening on the lake removes it. */
export const stagingLeftoverMs = 24 * 60 * 60 * 1000;

/**
 * Removes what writes killed mid-way left under `<root>/_staging/` (a `COPY`'s staging folder, a
 * scratch file of Bronze lines): every entry last changed more than `olderThanMs` before `now`.
 * A write in progress in another process changed its entry when it started, so a day's margin
 * leaves it alone. Nothing else lives there locally (DSAR backups are under `_dsar/`). Returns the
 * entries removed.
 */
export function sweepStagingLeftovers(root: string, now: number, olderThanMs = stagingLeftoverMs): string[] {
  const dir = join(root, '_staging');
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry);
    const info = lstatSync(path, { throwIfNoEntry: false });
    if (!info || info.mtimeMs > now - olderThanMs) continue;
    rmSync(path, { recursive: true, force: true });
    removed.push(path);
  }
  return removed;
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
