import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  DuckDbQueryEngine,
  FsCatalog,
  FsObjectStore,
  membershipFile,
  PartitionMembership,
  SqliteStateStore,
} from '@lakeops/adapters-local';
import { DeletionQueue, purgeDeletedUsers, type QueryEngine, systemClock } from '@lakeops/core';
import { dsarPurgeIds, factSearchImpressions, purgeSql } from '@lakeops/lake';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

// The DSAR purge with the local engine's membership sidecars: the find step reads only the
// partitions the sidecars cannot rule out, and still finds every row a full scan finds.
const table = factSearchImpressions;
// 400 impressions by users u000..u039 over 4 days × 3 cities; user u lives in city u % 3.
const seed = `SELECT 'i' || i AS impression_id, 's' || i AS search_id,
    'u' || lpad(CAST(i % 40 AS VARCHAR), 3, '0') AS user_id, 'svc' || (i % 9) AS service_id,
    CAST(1 + i % 20 AS INTEGER) AS position, i % 5 = 0 AS is_promoted,
    TIMESTAMP '2026-11-01 00:00:00' + to_seconds(i) AS occurred_at,
    '2026-11-0' || (1 + (i // 40) % 4) AS dt, 'c0' || ((i % 40) % 3) AS city_id
  FROM range(400) AS t(i)`;

/** From an independent DuckDB over every Parquet file: rows per user id among these, and all rows. */
async function census(dir: string, ids: readonly string[]) {
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  const files = `read_parquet('${dir}/**/*.parquet', hive_partitioning = false)`;
  const rows = (
    await db.runAndReadAll(`SELECT user_id, count(*) AS n FROM ${files} GROUP BY user_id`)
  ).getRowObjectsJS();
  const per = new Map(rows.map((r) => [String(r.user_id), Number(r.n)]));
  return {
    purged: ids.reduce((s, id) => s + (per.get(id) ?? 0), 0),
    total: [...per.values()].reduce((s, n) => s + n, 0),
  };
}

describe('DSAR purge with membership sidecars', () => {
  let home: string;
  let root: string;
  let key: Buffer;
  let engine: DuckDbQueryEngine;
  let state: SqliteStateStore;
  const dir = () => join(root, table.zone, table.name);
  const find: string[] = [];
  const tracked = (): QueryEngine => ({
    query: (sql, o) => {
      if (sql.includes('JOIN (SELECT "user_id" FROM silver_private.dsar_purge_ids')) find.push(sql);
      return engine.query(sql, o);
    },
    stream: (sql, o) => engine.stream(sql, o),
    writePartitions: (input, o) => engine.writePartitions(input, o),
    rewritePartitions: (input, o) => engine.rewritePartitions(input, o),
    restorePartitions: (t, r) => engine.restorePartitions(t, r),
    partitionsMayHold: (t, ids) => engine.partitionsMayHold(t, ids),
    close: () => engine.close(),
  });
  const purge = async (userIds: readonly string[]) => {
    const queue = new DeletionQueue({ state, clock: systemClock });
    for (const id of userIds) {
      await queue.enqueue({
        requestId: `r-${id}`,
        userId: id,
        anonIds: [],
        userHash: `h-${id}`,
        requestedAt: '2026-12-01T00:00:00Z',
        reason: 'admin',
      });
    }
    return purgeDeletedUsers(
      {
        engine: tracked(),
        catalog: new FsCatalog({ root, tables: [table] }),
        store: new FsObjectStore({ root }),
        state,
        clock: systemClock,
        sql: purgeSql('duckdb'),
        idsTable: dsarPurgeIds,
      },
      { runId: `run-${find.length}-${userIds.join('-')}` },
    );
  };

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'lakeops-purge-membership-'));
    root = join(home, 'lake');
    key = randomBytes(32);
    engine = await DuckDbQueryEngine.open({
      root,
      tables: [table, dsarPurgeIds],
      threads: 1,
      membershipKey: key,
    });
    state = new SqliteStateStore({ file: join(home, 'state.sqlite') });
    await engine.writePartitions({ table, sql: seed });
    find.length = 0;
  });
  afterEach(async () => {
    state.close();
    await engine.close();
    await rm(home, { recursive: true, force: true });
  });

  it('reads only the partitions that may hold the users, removes all their rows, and leaves their ids in no sidecar', async () => {
    // Prepare
    const before = await census(dir(), ['u004', 'u017']);
    // Act
    const report = await purge(['u004', 'u017']);
    // Assess
    const after = await census(dir(), ['u004', 'u017']);
    expect(before.purged).toBe(20);
    expect(after).toEqual({ purged: 0, total: before.total - 20 });
    expect(report.requests.every((r) => r.verified)).toBe(true);
    // u004 lives in c01, u017 in c02: 8 partitions of 12 may hold them, the 4 of c00 are not read.
    expect(find).toHaveLength(1);
    expect(find[0]).toContain("\"city_id\" IN ('c01', 'c02')");
    const members = new PartitionMembership(key);
    const folders = (await readdir(dir(), { recursive: true })).filter((f) => f.endsWith(membershipFile));
    expect(folders).toHaveLength(12);
    for (const f of folders) {
      const folder = join(dir(), f.slice(0, -membershipFile.length - 1));
      expect(members.check(folder, table.userColumns, members.hashes(['u004', 'u017'])), f).toBe(
        'holds-none',
      );
    }
  });

  it('purges a user from a partition another writer changed after its sidecar was written', async () => {
    // Prepare: u005 (city c02) shows up in a c00 partition written by an engine without the key,
    // and in a file added beside the indexed ones of a c01 partition.
    const plain = await DuckDbQueryEngine.open({ root, tables: [table], threads: 1 });
    await plain.writePartitions({
      table,
      sql: `SELECT * FROM silver.fact_search_impressions WHERE dt = '2026-11-01' AND city_id = 'c00'
            UNION ALL (SELECT * REPLACE ('u005' AS user_id, 'x1' AS impression_id) FROM silver.fact_search_impressions WHERE dt = '2026-11-01' AND city_id = 'c00' LIMIT 1)`,
      partitions: [{ dt: '2026-11-01', city_id: 'c00' }],
    });
    await plain.query(
      `COPY (SELECT * EXCLUDE (dt, city_id) REPLACE ('u005' AS user_id, 'x2' AS impression_id) FROM silver.fact_search_impressions WHERE dt = '2026-11-02' AND city_id = 'c01' LIMIT 1)
       TO '${join(dir(), 'dt=2026-11-02', 'city_id=c01', 'added.parquet')}' (FORMAT parquet)`,
    );
    await plain.close();
    const before = await census(dir(), ['u005']);
    // Act
    const report = await purge(['u005']);
    // Assess
    expect(before.purged).toBe(12);
    expect((await census(dir(), ['u005'])).purged).toBe(0);
    expect(report.tables[0]?.partitions.map((p) => `${p.partition.dt}/${p.partition.city_id}`)).toEqual([
      '2026-11-01/c00',
      '2026-11-01/c02',
      '2026-11-02/c01',
      '2026-11-02/c02',
      '2026-11-03/c02',
      '2026-11-04/c02',
    ]);
  });

  it('falls back to reading a partition whose sidecar is damaged, and still purges its user', async () => {
    // Prepare: u003 (city c00) lives in dt=…/city_id=c00; two of its sidecars are damaged.
    await writeFile(join(dir(), 'dt=2026-11-01', 'city_id=c00', membershipFile), 'not json');
    const sidecar = join(dir(), 'dt=2026-11-02', 'city_id=c00', membershipFile);
    // Its hashes zeroed, its header and CRC kept.
    const stored = await readFile(sidecar);
    stored.fill(0, stored.indexOf(10) + 1, stored.length - 4);
    await writeFile(sidecar, stored);
    // Act
    const report = await purge(['u003']);
    // Assess
    expect(report.tables[0]?.status).toBe('ok');
    expect(report.tables[0]?.partitions).toHaveLength(4);
    expect((await census(dir(), ['u003'])).purged).toBe(0);
  });
});
