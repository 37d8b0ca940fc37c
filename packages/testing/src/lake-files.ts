import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Every file under `dir` (recursively), by path relative to it, with its bytes: for byte-for-byte comparisons. */
export async function filesUnder(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { recursive: true })) {
    const path = join(dir, entry);
    if ((await stat(path)).isFile()) out.set(entry, await readFile(path));
  }
  return out;
}

/** The folders (paths without their file name) whose files differ between two `filesUnder` snapshots, sorted. */
export function changedFolders(before: Map<string, Buffer>, after: Map<string, Buffer>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  const changed = [...keys].filter((k) => !before.get(k)?.equals(after.get(k) ?? Buffer.alloc(0)));
  return [...new Set(changed.map((k) => k.replace(/\/[^/]+$/, '')))].sort();
}
