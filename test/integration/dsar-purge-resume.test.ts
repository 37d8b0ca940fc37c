import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  DuckDbQueryEngine,
  FileSaltSource,
  FsCatalog,
  FsObjectStore,
  SqliteStateStore,
} from '@lakeops/adapters-local';
import {
  DeletionQueue,
  type ObjectStore,
  purgeDeletedUsers,
  type QueryEngine,
  recordTombstone,
  systemClock,
} from '@lakeops/core';
import { dsarPurgeIds, purgeSql, tables } from '@lakeops/lake';
import { repoRoot } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';
import { ensureDemoLake } from '../../packages/cli/src/lake.ts';

const q = (s: string) => `'${s.replaceAll("'", "''")}'`;
const lakeTables = tables.filter((t) => t.format === 'parquet' && t.userColumns.length > 0);

/** Runs `lakeops purge` as a child process; kills it with SIGKILL after `killAfterMs` when given. */
function purgeProcess(
  home: string,
  killAfterMs?: number,
): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, 'packages/cli/bin/lakeops.js'), 'purge'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', LAKEOPS_HOME: home, LAKEOPS_PURGE_LEASE_SECONDS: '1' },
      stdio: 'ignore',
    });
    const timer =
      killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

/** Per table, from an independent DuckDB: rows of the purged ids, and count + checksum of the others. */
async function lakeState(lake: string, ids: readonly string[]) {
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  await db.run('CREATE TABLE ids (id VARCHAR)');
  const insert = await db.prepare('INSERT INTO ids VALUES ($1)');
  for (const id of ids) {
    insert.bindVarchar(1, id);
    await insert.run();
  }
  const out: Record<string, Record<string, unknown>> = {};
  for (const t of lakeTables) {
    const dir = join(lake, t.zone, t.name);
    const files = (await readdir(dir, { recursive: true }).catch(() => [] as string[]))
      .filter((f) => f.endsWith('.parquet') && !f.startsWith('.') && !f.includes('/.'))
      .map((f) => join(dir, f));
    if (!files.length) continue;
    const match = t.userColumns.map((c) => `coalesce("${c}" IN (SELECT id FROM ids), false)`).join(' OR ');
    const cols = t.columns.map((c) => `"${c.name}"`).join(', ');
    const r = await db.runAndReadAll(
      `SELECT CAST(count(*) FILTER (WHERE ${match}) AS VARCHAR) AS matched,
              CAST(count(*) FILTER (WHERE NOT (${match})) AS VARCHAR) AS kept,
              CAST(coalesce(sum(CAST(hash(${cols}) AS HUGEINT)) FILTER (WHERE NOT (${match})), 0) AS VARCHAR) AS checksum
       FROM read_parquet([${files.map(q).join(', ')}], union_by_name = true)`,
    );
    out[`${t.zone}.${t.name}`] = r.getRowObjectsJS()[0] ?? {};
  }
  return out;
}

describe('DSAR purge killed with SIGKILL', () => {
  it('reaches the same end state when killed at many points and run again', async () => {
    // Prepare
    const home = await mkdtemp(join(tmpdir(), 'lakeops-dsar-kill-'));
    const lake = join(home, 'lake');
    await ensureDemoLake({ home, days: 3, users: 300, seed: 5, end: new Date('2026-11-20T23:00:00Z') });
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    const found = await db.runAndReadAll(
      `SELECT DISTINCT user_id FROM read_parquet(${q(`${lake}/silver/fact_search_impressions/**/*.parquet`)}) ORDER BY user_id LIMIT 12`,
    );
    const ids = found.getRowObjectsJS().map((r) => String(r.user_id));
    const state = new SqliteStateStore({ file: join(home, 'state.sqlite') });
    const salt = new FileSaltSource({ file: join(home, 'secrets', 'dsar-salt') });
    for (const [i, userId] of ids.entries()) {
      await recordTombstone(
        { state, salt, clock: systemClock },
        {
          id: `e${i}`,
          detail: {
            v: 1,
            user_id: userId,
            request_id: `r-${i}`,
            requested_at: '2026-11-30T00:00:00Z',
            reason: 'admin',
          },
        },
      );
    }
    state.close();
    const before = await lakeState(lake, ids);
    const expected = Object.fromEntries(
      Object.entries(before).map(([table, v]) => [table, { ...(v as object), matched: '0' }]),
    );
    // Act: kill at growing points of the run, waiting out the 1 s lease each time, then finish.
    const kills = [];
    for (const ms of [350, 700, 1000, 1300, 1700, 2200, 2800]) {
      kills.push(await purgeProcess(home, ms));
      await new Promise((r) => setTimeout(r, 1100));
    }
    const last = await purgeProcess(home);
    // Assess
    expect(kills.some((k) => k.signal === 'SIGKILL')).toBe(true);
    expect(last.code).toBe(0);
    const after = await lakeState(lake, ids);
    for (const [table, v] of Object.entries(expected)) {
      // A table whose only rows were theirs has no files left.
      expect(after[table] ?? { matched: '0', kept: '0', checksum: '0' }, table).toEqual(v);
    }
    const check = new SqliteStateStore({ file: join(home, 'state.sqlite') });
    expect(await new DeletionQueue({ state: check, clock: systemClock }).pending()).toEqual([]);
    expect(await check.get({ pk: 'dsar#manifest', sk: 'current' })).toBeUndefined();
    check.close();
    const leftovers = await readdir(join(lake, '_dsar'), { recursive: true }).catch(() => [] as string[]);
    expect(leftovers.filter((f) => f.endsWith('.parquet') || f.endsWith('.json'))).toEqual([]);
  }, 240_000);

  it('resumes a run that died after its tables: same run id, no table purged twice', async () => {
    // Prepare
    const home = await mkdtemp(join(tmpdir(), 'lakeops-dsar-resume-'));
    const root = join(home, 'lake');
    await ensureDemoLake({ home, days: 3, users: 300, seed: 6, end: new Date('2026-11-20T23:00:00Z') });
    const state = new SqliteStateStore({ file: join(home, 'state.sqlite') });
    const salt = new FileSaltSource({ file: join(home, 'secrets', 'dsar-salt') });
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    const found = await db.runAndReadAll(
      `SELECT DISTINCT user_id FROM read_parquet(${q(`${root}/silver/fact_payments/**/*.parquet`)}) ORDER BY user_id LIMIT 4`,
    );
    for (const [i, row] of found.getRowObjectsJS().entries()) {
      await recordTombstone(
        { state, salt, clock: systemClock },
        {
          id: `e${i}`,
          detail: {
            v: 1,
            user_id: String(row.user_id),
            request_id: `r-${i}`,
            requested_at: '2026-11-30T00:00:00Z',
            reason: 'admin',
          },
        },
      );
    }
    const real = await DuckDbQueryEngine.open({ root, tables: [...tables, dsarPurgeIds] });
    const affected: string[] = [];
    let dieAfterTables = true;
    // Records which tables the find step ran on; dies (like a killed process) once every table is
    // done, when the run removes its ids file.
    const engine: QueryEngine = {
      query: async (sql, o) => {
        if (sql.includes(' JOIN (SELECT "user_id" FROM silver_private.dsar_purge_ids')) affected.push(sql);
        return real.query(sql, o);
      },
      stream: (sql, o) => real.stream(sql, o),
      writePartitions: (input, o) => real.writePartitions(input, o),
      rewritePartitions: (input, o) => real.rewritePartitions(input, o),
      restorePartitions: (table, rewritten) => real.restorePartitions(table, rewritten),
      close: () => real.close(),
    };
    const files = new FsObjectStore({ root });
    const store: ObjectStore = {
      list: (prefix) => files.list(prefix),
      read: (key) => files.read(key),
      write: (key, body) => files.write(key, body),
      replacePrefix: (target, staged) => files.replacePrefix(target, staged),
      deletePrefix: async (prefix) => {
        if (dieAfterTables && prefix.startsWith('silver_private/dsar_purge_ids/')) throw new Error('killed');
        return files.deletePrefix(prefix);
      },
    };
    const deps = {
      engine,
      catalog: new FsCatalog({ root, tables }),
      store,
      state,
      clock: systemClock,
      sql: purgeSql('duckdb'),
      idsTable: dsarPurgeIds,
    };
    await expect(purgeDeletedUsers(deps, { runId: 'first', leaseSeconds: 1 })).rejects.toThrow('killed');
    const firstFinds = affected.length;
    affected.length = 0;
    dieAfterTables = false;
    await new Promise((r) => setTimeout(r, 1100));
    // Act
    const report = await purgeDeletedUsers(deps, { runId: 'second', leaseSeconds: 1 });
    // Assess
    expect(firstFinds).toBeGreaterThan(5);
    expect(affected).toEqual([]);
    expect(report.runId).toBe('first');
    expect(report.rowsRemoved).toBeGreaterThan(0);
    expect(report.requests.map((r) => [r.requestId, r.verified])).toEqual([
      ['r-0', true],
      ['r-1', true],
      ['r-2', true],
      ['r-3', true],
    ]);
    expect(report.requests.every((r) => r.rowsRemoved > 0)).toBe(true);
    expect(await state.get({ pk: 'dsar#manifest', sk: 'current' })).toBeUndefined();
    state.close();
    await real.close();
  }, 120_000);

  it('puts back a partition a run was killed with mid-swap (old folder in the backup, new one not yet in), then purges it', async () => {
    // Prepare
    const home = await mkdtemp(join(tmpdir(), 'lakeops-dsar-swap-'));
    const lake = join(home, 'lake');
    await ensureDemoLake({ home, days: 3, users: 300, seed: 7, end: new Date('2026-11-20T23:00:00Z') });
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    const payments = `${lake}/silver/fact_payments/**/*.parquet`;
    const found = await db.runAndReadAll(
      `SELECT DISTINCT user_id FROM read_parquet(${q(payments)}) ORDER BY user_id LIMIT 3`,
    );
    const ids = found.getRowObjectsJS().map((r) => String(r.user_id));
    const day = await db.runAndReadAll(
      `SELECT CAST(min(dt) AS VARCHAR) AS dt FROM read_parquet(${q(payments)}, hive_partitioning = true) WHERE user_id IN (${ids.map(q).join(', ')})`,
    );
    const dt = String(day.getRowObjectsJS()[0]?.dt);
    const state = new SqliteStateStore({ file: join(home, 'state.sqlite') });
    const salt = new FileSaltSource({ file: join(home, 'secrets', 'dsar-salt') });
    for (const [i, userId] of ids.entries()) {
      await recordTombstone(
        { state, salt, clock: systemClock },
        {
          id: `e${i}`,
          detail: {
            v: 1,
            user_id: userId,
            request_id: `r-${i}`,
            requested_at: '2026-11-30T00:00:00Z',
            reason: 'admin',
          },
        },
      );
    }
    const before = await lakeState(lake, ids);
    // The killed run: its manifest, and one partition holding purged users moved to its backup
    // (the swap's first rename) while the new folder never came in (the second).
    await state.put(
      { pk: 'dsar#manifest', sk: 'current' },
      { runId: 'killed', requestIds: ids.map((_, i) => `r-${i}`), tables: [], tallies: {} },
    );
    state.close();
    const backup = join(lake, '_dsar', 'backup', 'killed', 'silver', 'fact_payments');
    await mkdir(backup, { recursive: true });
    await rename(join(lake, 'silver', 'fact_payments', `dt=${dt}`), join(backup, `dt=${dt}`));
    // Act
    const run = await purgeProcess(home);
    // Assess
    expect(run.code).toBe(0);
    expect(await readdir(join(lake, 'silver', 'fact_payments'))).toContain(`dt=${dt}`);
    const after = await lakeState(lake, ids);
    expect(after['silver.fact_payments']).toEqual({ ...before['silver.fact_payments'], matched: '0' });
    expect(Number(before['silver.fact_payments']?.matched)).toBeGreaterThan(0);
  }, 120_000);
});
