import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { ObjectMissingError, type ObjectStore, type StoredObject } from '@lakeops/core';
import { swapDir } from './fs-swap.ts';

/**
 * The object store as a folder: keys are `/`-separated paths below `root`, the same keys as in
 * the S3 bucket. Writes land in a temporary file first and are renamed into place; `replacePrefix`
 * swaps whole folders by rename.
 *
 * @example
 * ```ts
 * const store = new FsObjectStore({ root: '.lakeops/lake' });
 * await store.write('bronze/events/dt=2026-11-20/hour=07/part-0.json', ndjson);
 * ```
 */
export class FsObjectStore implements ObjectStore {
  readonly root: string;
  constructor(options: { root: string }) {
    this.root = resolve(options.root);
  }

  /** The file path of a key; refuses keys that would leave the root. */
  pathOf(key: string): string {
    const path = resolve(this.root, key);
    if (path !== this.root && !path.startsWith(this.root + sep)) {
      throw new TypeError(`key '${key}' is outside the store`);
    }
    return path;
  }

  async list(prefix: string): Promise<StoredObject[]> {
    // Walk from the deepest folder the prefix names, then filter by the full prefix.
    const slash = prefix.lastIndexOf('/');
    const base = slash >= 0 ? prefix.slice(0, slash) : '';
    const out: StoredObject[] = [];
    const walk = async (rel: string): Promise<void> => {
      const entries = await readdir(this.pathOf(rel), { withFileTypes: true }).catch(() => []);
      const files: string[] = [];
      for (const entry of entries) {
        if (entry.name.startsWith('.')) continue;
        const key = rel ? `${rel}/${entry.name}` : entry.name;
        if (entry.isDirectory()) {
          if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(key);
        } else if (key.startsWith(prefix)) {
          files.push(key);
        }
      }
      // A folder's files stat'ed together (one at a time cost ~50 µs each at 22,000 files).
      const sizes = await Promise.all(files.map(async (key) => (await stat(this.pathOf(key))).size));
      files.forEach((key, i) => {
        out.push({ key, size: sizes[i] ?? 0 });
      });
    };
    await walk(base);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async read(key: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(await readFile(this.pathOf(key)));
    } catch (error) {
      throw new ObjectMissingError(key, { cause: error });
    }
  }

  async write(key: string, body: Uint8Array | string): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const temp = join(dirname(path), `.${randomUUID()}.tmp`);
    await writeFile(temp, body);
    await rename(temp, path);
  }

  async deletePrefix(prefix: string): Promise<number> {
    if (prefix.endsWith('/')) {
      // A folder goes in one recursive remove (not a call per file), its objects counted as `list`
      // sees them (no dot names) from one recursive listing, without a `stat` per file (a DSAR
      // purge of 1,000 users removes a backup of ≈ 22,000 files).
      const folder = this.pathOf(prefix);
      const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
      const count = entries.filter(
        (e) =>
          !e.isDirectory() &&
          !e.name.startsWith('.') &&
          !e.parentPath.slice(folder.length).includes(`${sep}.`),
      ).length;
      await rm(folder, { recursive: true, force: true });
      return count;
    }
    const objects = await this.list(prefix);
    for (const o of objects) await rm(this.pathOf(o.key), { force: true });
    return objects.length;
  }

  async replacePrefix(target: string, staged: string): Promise<void> {
    const from = this.pathOf(staged);
    if (!(await stat(from).catch(() => undefined))?.isDirectory()) throw new ObjectMissingError(staged);
    await swapDir(this.pathOf(target), from);
  }
}
