import { createHash, createHmac } from 'node:crypto';
import { type Dirent, readdirSync, readFileSync, statSync } from 'node:fs';
import { readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Partition, TableDefinition } from '@lakeops/core';
import { parsePartitionPath } from '@lakeops/core';

/**
 * The sidecar's name inside a partition folder. It starts with `.`: the engine's globs read only
 * `*.parquet`, the object store's listing skips dot names, and Hive-style readers treat it as hidden.
 */
export const membershipFile = '.lakeops-members';

/**
 * A sidecar as stored: this header as one line of JSON, a newline, `n` sorted distinct uint32
 * (little-endian: the 32-bit prefixes of the values' keyed hashes), then the CRC-32 (little-endian)
 * of everything before it, so a damaged file is not trusted. No raw value.
 */
interface SidecarHeader {
  readonly v: 1;
  /** Which key made the hashes (a hash of the key, never the key). */
  readonly key: string;
  /** The user columns whose values it holds, in the table's order. */
  readonly columns: readonly string[];
  /** The data files it covers: name, size, modification time (ms). */
  readonly files: readonly (readonly [string, number, number])[];
  /** How many hashes follow. */
  readonly n: number;
}

/** What a sidecar says about some ids in its partition. */
export type Membership = 'may-hold' | 'holds-none' | 'unknown';

/** A partition value DuckDB's hive reader gives back exactly as the folder spells it. */
const plainValue = /^[A-Za-z0-9_.:-]+$/;

/**
 * Per-partition membership sidecars of the values of a table's user columns, for the DSAR purge's
 * find step: a partition whose sidecar is valid (same key, same columns, the same data files by name,
 * size and modification time, intact) and holds none of the ids' hashes cannot hold a row of them.
 * Everything else (no sidecar, a stale or damaged one, another key) counts as `unknown`: scanned.
 * Values are stored as keyed hashes: the first 32 bits of SHA-256(k ‖ value), where k is 64 hex
 * characters derived from the secret key (HMAC-SHA-256), computed by DuckDB over the rows written
 * (`hashSql`, k bound as a parameter, never in SQL text) and here for the ids (`hashes`). No raw id
 * on disk, and a guess cannot be tested without the key. A 32-bit prefix can collide (a false
 * positive: one partition read for nothing), never miss.
 *
 * @example
 * ```ts
 * const members = new PartitionMembership(secretKey);
 * await members.write(folder, ['user_id'], members.hashes(values));
 * await members.check(folder, ['user_id'], members.hashes(['u1'])); // 'holds-none' | 'may-hold' | 'unknown'
 * ```
 */
export class PartitionMembership {
  /** The hash key: 64 hex characters (the secret's HMAC), bound into `hashSql` as `$membership_key`. */
  readonly #hashKey: string;
  readonly #keyId: string;

  constructor(key: string | Uint8Array) {
    const secret = Buffer.from(key);
    if (secret.length < 16) throw new TypeError('the membership key must hold at least 16 bytes');
    const derive = (label: string) => createHmac('sha256', secret).update(label).digest('hex');
    this.#hashKey = derive('lakeops/partition-membership/hash-key');
    this.#keyId = derive('lakeops/partition-membership/key-id').slice(0, 16);
  }

  /** Sorted distinct hashes of these values. */
  hashes(values: Iterable<string>): Uint32Array {
    const out = new Set<number>();
    for (const v of values)
      out.add(createHash('sha256').update(`${this.#hashKey}${v}`, 'utf8').digest().readUInt32BE(0));
    return Uint32Array.from(out).sort();
  }

  /**
   * The same hash in DuckDB SQL of a VARCHAR expression (a UBIGINT below 2^32); run it with
   * `parameters` bound. Tested against `hashes` (membership test).
   */
  hashSql(expr: string): string {
    return `CAST(('0x' || left(sha256($membership_key || ${expr}), 8)) AS UBIGINT)`;
  }

  /** The bound values `hashSql` needs. */
  get parameters(): Readonly<Record<string, string>> {
    return { membership_key: this.#hashKey };
  }

  /** Writes the sidecar of `folder` for its data files as they are now and these value hashes. */
  async write(folder: string, columns: readonly string[], hashes: Iterable<number>): Promise<void> {
    const files = dataFiles(folder, await readdir(folder, { withFileTypes: true }));
    if (!files) return;
    const sorted = Uint32Array.from(new Set(hashes)).sort();
    const header: SidecarHeader = { v: 1, key: this.#keyId, columns: [...columns], files, n: sorted.length };
    const head = Buffer.from(`${JSON.stringify(header)}\n`);
    const buf = Buffer.alloc(head.length + sorted.length * 4 + 4);
    head.copy(buf);
    sorted.forEach((h, i) => {
      buf.writeUInt32LE(h, head.length + i * 4);
    });
    buf.writeUInt32LE(crc32(buf.subarray(0, buf.length - 4)), buf.length - 4);
    const temp = join(folder, `${membershipFile}.tmp`);
    await writeFile(temp, buf);
    await rename(temp, join(folder, membershipFile));
  }

  /**
   * What the sidecar of `folder` says about ids with these (sorted) hashes. Never throws. Reads
   * synchronously (a few small reads and stats per partition: the find step's listing of a 22,000-
   * file table is several times faster so than through the thread pool).
   */
  check(
    folder: string,
    columns: readonly string[],
    wanted: Uint32Array,
    entries?: readonly Dirent[],
  ): Membership {
    try {
      const listed = entries ?? readdirSync(folder, { withFileTypes: true });
      if (!listed.some((e) => e.name === membershipFile)) return 'unknown';
      const stored = readFileSync(`${folder}/${membershipFile}`);
      const end = stored.length - 4;
      if (end < 0 || crc32(stored.subarray(0, end)) !== stored.readUInt32LE(end)) return 'unknown';
      const newline = stored.indexOf(10);
      if (newline < 0 || newline > end) return 'unknown';
      const s = JSON.parse(stored.toString('utf8', 0, newline)) as Partial<SidecarHeader>;
      if (s.v !== 1 || s.key !== this.#keyId || !Array.isArray(s.files)) return 'unknown';
      if (JSON.stringify(s.columns) !== JSON.stringify(columns)) return 'unknown';
      const n = s.n;
      if (typeof n !== 'number' || end - newline - 1 !== n * 4) return 'unknown';
      const files = dataFiles(folder, listed);
      if (!files || !sameFiles(files, s.files)) return 'unknown';
      const held = stored.subarray(newline + 1, end);
      for (const h of wanted) {
        let lo = 0;
        let hi = n - 1;
        while (lo <= hi) {
          const mid = (lo + hi) >>> 1;
          const x = held.readUInt32LE(mid * 4);
          if (x === h) return 'may-hold';
          if (x < h) lo = mid + 1;
          else hi = mid - 1;
        }
      }
      return 'holds-none';
    } catch {
      return 'unknown';
    }
  }

  /**
   * The partitions of the table under `dir` that may hold one of these ids in a user column: those
   * whose sidecar may hold one, and every partition without a valid sidecar. Undefined when that is
   * every partition, or when a partition value is not plain text (the caller then reads the table).
   */
  async candidates(
    table: TableDefinition,
    dir: string,
    ids: readonly string[],
  ): Promise<{ partitions: Partition[] } | undefined> {
    const wanted = this.hashes(ids);
    const leaves = await leafFolders(table, dir);
    const folders = leaves.map((l) => l.folder);
    const kept = leaves
      .filter(
        (l) =>
          this.check(l.folder ? join(dir, l.folder) : dir, table.userColumns, wanted, l.entries) !==
          'holds-none',
      )
      .map((l) => l.folder);
    if (kept.length === folders.length) return undefined;
    const partitions = kept.map(parsePartitionPath);
    if (partitions.some((p) => Object.values(p).some((v) => !plainValue.test(v)))) return undefined;
    return { partitions };
  }
}

function sameFiles(a: readonly (readonly [string, number, number])[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((f, i) => {
    const g = b[i];
    return Array.isArray(g) && g.length === 3 && g[0] === f[0] && g[1] === f[1] && g[2] === f[2];
  });
}

/**
 * The data files of a partition folder as its table's glob reads them (`*.parquet`, not hidden),
 * sorted by name, with size and modification time; undefined when the folder also holds a
 * sub-folder that is not hidden (something else's layout: not covered).
 */
function dataFiles(folder: string, entries: readonly Dirent[]): [string, number, number][] | undefined {
  const out: [string, number, number][] = [];
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name.startsWith('_')) continue;
    if (!e.isFile()) {
      if (e.isDirectory()) return undefined;
      continue;
    }
    if (!e.name.endsWith('.parquet')) continue;
    // (Paths joined by hand: `path.join` normalises, which cost more than the stat at 22,000 files.)
    const info = statSync(`${folder}/${e.name}`);
    out.push([e.name, info.size, info.mtimeMs]);
  }
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** The table's partition folders (`k1=…/…/kn=…`, relative; `''` unpartitioned) holding a Parquet file. */
async function leafFolders(
  table: TableDefinition,
  dir: string,
): Promise<{ folder: string; entries: Dirent[] }[]> {
  const list = (folder: string) =>
    readdir(folder ? join(dir, folder) : dir, { withFileTypes: true }).catch(() => [] as Dirent[]);
  let folders = [''];
  for (const key of table.partitionKeys) {
    const listed = await Promise.all(folders.map(list));
    folders = folders.flatMap((folder, i) =>
      (listed[i] ?? [])
        .filter((e) => e.isDirectory() && e.name.startsWith(`${key}=`))
        .map((e) => (folder ? `${folder}/${e.name}` : e.name)),
    );
  }
  folders.sort();
  const listed = folders.map((f) => readdirSync(f ? join(dir, f) : dir, { withFileTypes: true }));
  return folders
    .map((folder, i) => ({ folder, entries: listed[i] ?? [] }))
    .filter(({ entries }) =>
      entries.some((e) => e.name.endsWith('.parquet') && !/^[._]/.test(e.name) && !e.isDirectory()),
    );
}
