import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { type Partition, partitionPath, qualifiedName, type TableDefinition } from '@lakeops/core';
import { dsarPurgeIds, purgeSql } from '@lakeops/lake';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine, membershipFile, PartitionMembership } from '../src/index.ts';

// Users u00..u47 buy (user_id) from sellers s0..s5 (seller_id, a user column too). Visit i is on
// day i % 4, in city i % 3, by user (i * 7) % 48: each user sits in a few of the 12 partitions.
const visits: TableDefinition = {
  zone: 'silver',
  name: 'visits',
  description: 'test table with two user columns',
  format: 'parquet',
  columns: [
    { name: 'visit_id', type: 'string', sensitivity: 'internal' },
    { name: 'user_id', type: 'string', sensitivity: 'confidential', nullable: true },
    { name: 'seller_id', type: 'string', sensitivity: 'confidential', nullable: true },
  ],
  partitionKeys: ['dt', 'city_id'],
  primaryKey: ['visit_id'],
  userColumns: ['user_id', 'seller_id'],
};
const seed = `SELECT 'v' || i AS visit_id,
    CASE WHEN i % 11 = 0 THEN NULL ELSE 'u' || lpad(CAST((i * 7) % 48 AS VARCHAR), 2, '0') END AS user_id,
    's' || (i % 6) AS seller_id,
    '2026-11-0' || (1 + i % 4) AS dt, 'c' || (i % 3) AS city_id
  FROM range(60) AS t(i)
  UNION ALL SELECT 'v-x', 'ü-ß€ 用户', NULL, '2026-11-02', 'c2'`;
const run = 'test-run';
const sql = purgeSql('duckdb');
const idsRef = { table: qualifiedName(dsarPurgeIds), run };

describe('PartitionMembership and DuckDbQueryEngine.partitionsMayHold', () => {
  let root: string;
  let key: Buffer;
  let engine: DuckDbQueryEngine;
  const dir = () => join(root, 'silver', 'visits');
  const setIds = async (ids: readonly string[]) => {
    const folder = join(root, 'silver_private', 'dsar_purge_ids', `run=${run}`);
    await rm(folder, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(folder, { recursive: true }));
    await writeFile(
      join(folder, 'ids.json'),
      ids.map((id) => `${JSON.stringify({ user_id: id })}\n`).join(''),
    );
  };
  /** The partitions the find step reports, pruned by the sidecars or not. */
  const found = async (ids: readonly string[], pruned: boolean) => {
    await setIds(ids);
    const subset = pruned ? await engine.partitionsMayHold(visits, ids) : undefined;
    const may = subset?.partitions;
    if (may?.length === 0) return { partitions: [] as string[], may };
    // Through the engine's own relation over the candidate folders, as the purge reads them.
    if (subset) expect(subset.from).toMatch(/^\(SELECT /);
    const rows = await engine.query(sql.affected(visits, idsRef, subset));
    const partitions = [...new Set(rows.map((r) => `dt=${r.dt}/city_id=${r.city_id}`))].sort();
    return { partitions, may };
  };
  const folders = async () =>
    (await readdir(dir(), { recursive: true })).filter((p) => /city_id=[^/]+$/.test(p)).sort();

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'lakeops-membership-'));
    key = randomBytes(32);
    engine = await DuckDbQueryEngine.open({
      root,
      tables: [visits, dsarPurgeIds],
      threads: 1,
      membershipKey: key,
    });
    await engine.writePartitions({ table: visits, sql: seed });
  });
  afterEach(async () => {
    await engine.close();
    await rm(root, { recursive: true, force: true });
  });

  it('finds exactly the partitions a full scan finds, for ids present (in either user column) and absent', async () => {
    // Prepare
    // Non-ASCII text hashes alike in DuckDB (the rows) and in Node (the ids): UTF-8 both.
    const cases = [
      ['ü-ß€ 用户'],
      ['u07'],
      ['u00', 'u13'],
      ['s4'],
      ['nobody'],
      ['u21', 'nobody', 's1'],
      ['u01', 'u02', 'u03', 'u05'],
    ];
    for (const ids of cases) {
      // Act
      const full = await found(ids, false);
      const pruned = await found(ids, true);
      // Assess
      expect(pruned.partitions, ids.join(',')).toEqual(full.partitions);
      // The sidecars did rule partitions out (else this test would pass without them).
      expect(pruned.may?.length ?? 12, ids.join(',')).toBeLessThan(12);
    }
    expect((await found(['nobody'], true)).may).toEqual([]);
  });

  it('writes keyed hashes only: no raw value in a sidecar, and another key matches nothing', async () => {
    // Prepare
    const folder = join(dir(), (await folders())[0] ?? '');
    // Act
    const stored = await readFile(join(folder, membershipFile));
    const newline = stored.indexOf(10);
    const header = JSON.parse(stored.toString('utf8', 0, newline)) as { n: number };
    const other = new PartitionMembership(randomBytes(32));
    const mine = new PartitionMembership(key);
    // Assess
    // The header names files and columns, never a value; after it come exactly n hashes and a CRC.
    expect(stored.toString('utf8', 0, newline)).not.toMatch(/u\d\d|"s\d"/);
    expect(stored.length).toBe(newline + 1 + header.n * 4 + 4);
    expect(other.check(folder, visits.userColumns, other.hashes(['s0', 's1', 's2', 's3', 's4', 's5']))).toBe(
      'unknown',
    );
    expect(mine.check(folder, visits.userColumns, mine.hashes(['s0', 's1', 's2', 's3', 's4', 's5']))).toBe(
      'may-hold',
    );
  });

  it('scans a partition whose files changed after its sidecar, or that has none, a damaged one or another column list', async () => {
    // Prepare: u99 is nowhere; then it appears in four partitions, each behind a different defect.
    expect((await found(['u99'], true)).may).toEqual([]);
    const [a, b, c, d] = await folders();
    if (!a || !b || !c || !d) throw new Error('expected 12 partitions');
    const plain = await DuckDbQueryEngine.open({ root, tables: [visits], threads: 1 });
    const at = (p: string) => Object.fromEntries(p.split('/').map((s) => s.split('='))) as Partition;
    const withU99 = (p: string) =>
      `SELECT 'x-${p}' AS visit_id, 'u99' AS user_id, NULL AS seller_id, '${at(p).dt}' AS dt, '${at(p).city_id}' AS city_id`;
    // a: another writer added a file beside the indexed ones (sidecar stale).
    await plain.query(
      `COPY (${withU99(a).replace(/, '[^']*' AS dt, '[^']*' AS city_id/, '')}) TO '${join(dir(), a, 'extra.parquet')}' (FORMAT parquet)`,
    );
    // b: rewritten by an engine without the key (the swap leaves no sidecar).
    await plain.writePartitions({
      table: visits,
      sql: `SELECT * FROM silver.visits WHERE dt = '${at(b).dt}' AND city_id = '${at(b).city_id}' UNION ALL ${withU99(b)}`,
      partitions: [at(b)],
    });
    await plain.close();
    // c: a file overwritten in place (same name) under a valid-looking sidecar.
    const cFile = (await readdir(join(dir(), c))).find((f) => f.endsWith('.parquet')) ?? '';
    const writer = await DuckDbQueryEngine.open({
      root: join(root, '_writer'),
      tables: [],
    });
    await writer.query(
      `COPY (SELECT * FROM read_parquet('${join(dir(), c, cFile)}', hive_partitioning = false) UNION ALL ${withU99(c).replace(/, '[^']*' AS dt, '[^']*' AS city_id/, '')}) TO '${join(dir(), c, `${cFile}.new`)}' (FORMAT parquet)`,
    );
    await writer.close();
    await rm(join(dir(), c, cFile));
    await import('node:fs/promises').then((fs) =>
      fs.rename(join(dir(), c, `${cFile}.new`), join(dir(), c, cFile)),
    );
    // d: the same change as a, and its sidecar damaged as well (one hash byte flipped, then garbage).
    await rm(join(dir(), d, membershipFile));
    await writeFile(join(dir(), d, membershipFile), '{"v":1,');
    // Act
    const full = await found(['u99'], false);
    const pruned = await found(['u99'], true);
    // Assess
    expect(full.partitions).toEqual([a, b, c].sort());
    expect(pruned.partitions).toEqual(full.partitions);
    expect([...(pruned.may ?? [])].map((p) => partitionPath(visits, p)).sort()).toEqual([a, b, c, d].sort());
  });

  it('does not trust a sidecar whose hashes were altered, nor one of other columns', async () => {
    // Prepare
    const [a, b] = await folders();
    if (!a || !b) throw new Error('expected partitions');
    const ids = ['u99'];
    // A sidecar is `<header JSON>\n<n uint32 hashes><CRC-32 of all before>`.
    const file = (folder: string) => join(dir(), folder, membershipFile);
    // a: one hash byte flipped (the CRC no longer matches).
    const flipped = await readFile(file(a));
    const at = flipped.indexOf(10) + 1;
    flipped[at] = (flipped[at] ?? 0) ^ 0xff;
    await writeFile(file(a), flipped);
    // b: another column list, with a CRC that matches it.
    const stored = await readFile(file(b));
    const header = JSON.parse(stored.toString('utf8', 0, stored.indexOf(10))) as Record<string, unknown>;
    const body = Buffer.concat([
      Buffer.from(`${JSON.stringify({ ...header, columns: ['user_id'] })}\n`),
      stored.subarray(stored.indexOf(10) + 1, stored.length - 4),
    ]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32LE(crc32(body));
    await writeFile(file(b), Buffer.concat([body, crc]));
    // Act
    const may = (await engine.partitionsMayHold(visits, ids))?.partitions;
    // Assess
    expect([...(may ?? [])].map((p) => partitionPath(visits, p)).sort()).toEqual([a, b]);
  });

  it('refreshes the sidecars of rewritten partitions: the dropped ids are in none, the kept ones still are; a restore brings the old ones back', async () => {
    // Prepare
    await setIds(['u07']);
    const before = await found(['u07'], true);
    const partitions = before.partitions.map(
      (p) => Object.fromEntries(p.split('/').map((s) => s.split('='))) as Partition,
    );
    // Act
    const rewritten = await engine.rewritePartitions({
      table: visits,
      partitions,
      drop: sql.matches(visits, idsRef),
      keepReplacedUnder: '_backup/',
    });
    const afterPurge = (await engine.partitionsMayHold(visits, ['u07']))?.partitions;
    const kept = await found(['s0', 's1', 's2', 's3', 's4', 's5'], true);
    await engine.restorePartitions(visits, rewritten);
    const restored = await found(['u07'], true);
    // Assess
    expect(before.partitions.length).toBeGreaterThan(0);
    expect(afterPurge).toEqual([]);
    expect(kept.partitions).toEqual((await found(['s0', 's1', 's2', 's3', 's4', 's5'], false)).partitions);
    expect(restored.partitions).toEqual(before.partitions);
    expect(restored.may?.length).toBe(before.partitions.length);
  });

  it('keeps no sidecar without a key, nor for a table whose user column is not a string', async () => {
    // Prepare
    const plainRoot = await mkdtemp(join(tmpdir(), 'lakeops-membership-plain-'));
    const numeric: TableDefinition = {
      ...visits,
      name: 'numeric_visits',
      columns: [
        { name: 'visit_id', type: 'string', sensitivity: 'internal' },
        { name: 'user_id', type: 'bigint', sensitivity: 'confidential' },
      ],
      userColumns: ['user_id'],
    };
    const plain = await DuckDbQueryEngine.open({ root: plainRoot, tables: [visits], threads: 1 });
    const keyed = await DuckDbQueryEngine.open({
      root: plainRoot,
      tables: [numeric],
      threads: 1,
      membershipKey: key,
    });
    try {
      // Act
      await plain.writePartitions({ table: visits, sql: seed });
      await keyed.writePartitions({
        table: numeric,
        sql: `SELECT 'v' || i AS visit_id, i AS user_id, '2026-11-01' AS dt, 'c0' AS city_id FROM range(3) AS t(i)`,
      });
      const files = await readdir(plainRoot, { recursive: true });
      // Assess
      expect(files.filter((f) => f.endsWith(membershipFile))).toEqual([]);
      expect(await plain.partitionsMayHold(visits, ['u07'])).toBeUndefined();
      expect(await keyed.partitionsMayHold(numeric, ['1'])).toBeUndefined();
    } finally {
      await plain.close();
      await keyed.close();
      await rm(plainRoot, { recursive: true, force: true });
    }
  });
});
