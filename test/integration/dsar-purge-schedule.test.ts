import { mkdtemp, readdir } from 'node:fs/promises';
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
  acquireLease,
  DeletionQueue,
  type PurgeDeps,
  recordTombstone,
  releaseLease,
  type ScheduledPurgeOutcome,
  systemClock,
} from '@lakeops/core';
import { make as nightlyHandler } from '@lakeops/functions/dsar-purge';
import { make as continueHandler } from '@lakeops/functions/dsar-purge-continue';
import { lambdaContext } from '@lakeops/functions/lib/lambda-context';
import { routeById } from '@lakeops/functions/routes';
import { dsarPurgeIds, purgeSql, tables } from '@lakeops/lake';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureDemoLake } from '../../packages/cli/src/lake.ts';

const q = (s: string) => `'${s.replaceAll("'", "''")}'`;
const cleanup: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

/** Rows of these ids left in any user column of any Parquet file, from an independent DuckDB. */
async function leftOf(lake: string, ids: readonly string[]): Promise<number> {
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  let n = 0;
  for (const t of tables.filter((x) => x.format === 'parquet' && x.userColumns.length)) {
    const dir = join(lake, t.zone, t.name);
    const files = (await readdir(dir, { recursive: true }).catch(() => [] as string[]))
      .filter((f) => f.endsWith('.parquet') && !f.split('/').some((p) => p.startsWith('.')))
      .map((f) => join(dir, f));
    if (!files.length) continue;
    const match = t.userColumns.map((c) => `"${c}" IN (${ids.map(q).join(', ')})`).join(' OR ');
    const r = await db.runAndReadAll(
      `SELECT count(*) FROM read_parquet([${files.map(q).join(', ')}], union_by_name = true) WHERE ${match}`,
    );
    n += Number(r.getRowsJS()[0]?.[0] ?? 0);
  }
  return n;
}

describe('DSAR purge driven by its schedules (nightly + continue)', () => {
  it('pauses near the invocation time limit, and the continue tick resumes the run to the same end', async () => {
    // Prepare
    const home = await mkdtemp(join(tmpdir(), 'lakeops-dsar-schedule-'));
    const root = join(home, 'lake');
    await ensureDemoLake({ home, days: 3, users: 300, seed: 8, end: new Date('2026-11-20T23:00:00Z') });
    const state = new SqliteStateStore({ file: join(home, 'state.sqlite') });
    cleanup.push(() => state.close());
    const salt = new FileSaltSource({ file: join(home, 'secrets', 'dsar-salt') });
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    const found = await db.runAndReadAll(
      `SELECT DISTINCT user_id FROM read_parquet(${q(`${root}/silver/fact_search_impressions/**/*.parquet`)}) ORDER BY user_id LIMIT 5`,
    );
    const ids = found.getRowObjectsJS().map((r) => String(r.user_id));
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
    const engine = await DuckDbQueryEngine.open({ root, tables: [...tables, dsarPurgeIds] });
    cleanup.push(() => engine.close());
    const deps: PurgeDeps = {
      engine,
      catalog: new FsCatalog({ root, tables }),
      store: new FsObjectStore({ root }),
      state,
      clock: systemClock,
      sql: purgeSql('duckdb'),
      idsTable: dsarPurgeIds,
    };
    const nightly = nightlyHandler({ purge: async () => deps });
    const resume = continueHandler({ purge: async () => deps });
    // An invocation that has 15 minutes for its first three tables, then 1 minute (< the 5-minute margin).
    let asked = 0;
    const short = {
      ...lambdaContext(routeById('dsar-purge'), 'inv-1'),
      getRemainingTimeInMillis: () => (asked++ < 3 ? 900_000 : 60_000),
    };
    const tick = (time: string) => ({ id: `tick-${time}`, time, source: 'aws.scheduler' });
    // Act
    const first = (await nightly(tick('2026-12-01T02:00:00Z'), short)) as ScheduledPurgeOutcome;
    const manifest = await state.get({ pk: 'dsar#manifest', sk: 'current' });
    const pendingAfterPause = await new DeletionQueue({ state, clock: systemClock }).pending();
    const lease = await acquireLease(
      { state, clock: systemClock },
      { name: 'dsar-purge', owner: 'someone-else', ttlSeconds: 60 },
    );
    const busy = (await resume(
      tick('2026-12-01T02:15:00Z'),
      lambdaContext(routeById('dsar-purge-continue'), 'inv-2'),
    )) as ScheduledPurgeOutcome;
    if (lease) await releaseLease({ state }, lease);
    const second = (await resume(
      tick('2026-12-01T02:30:00Z'),
      lambdaContext(routeById('dsar-purge-continue'), 'inv-3'),
    )) as ScheduledPurgeOutcome;
    const third = (await resume(
      tick('2026-12-01T02:45:00Z'),
      lambdaContext(routeById('dsar-purge-continue'), 'inv-4'),
    )) as ScheduledPurgeOutcome;
    // Assess
    expect(first).toMatchObject({
      status: 'paused',
      runId: 'purge-20261201-020000',
      verified: 0,
      tablesDone: 3,
    });
    expect(manifest?.value).toMatchObject({ runId: 'purge-20261201-020000' });
    expect(pendingAfterPause).toHaveLength(5);
    expect(busy).toMatchObject({ status: 'busy' });
    expect(second).toMatchObject({
      status: 'completed',
      runId: 'purge-20261201-020000',
      requests: 5,
      verified: 5,
      failedTables: [],
    });
    expect(third).toMatchObject({ status: 'idle' });
    expect(await new DeletionQueue({ state, clock: systemClock }).pending()).toEqual([]);
    expect(await state.get({ pk: 'dsar#manifest', sk: 'current' })).toBeUndefined();
    expect(await leftOf(root, ids)).toBe(0);
    expect(JSON.stringify([first, busy, second, third])).not.toMatch(new RegExp(ids.join('|')));
  }, 180_000);
});
