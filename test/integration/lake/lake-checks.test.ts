// The daily quality run and KPI check on DuckDB over real Parquet: tables written with planted
// violations and planted KPI moves; the events checked against their contracts, the state read back.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbQueryEngine } from '@lakeops/adapters-local';
import { validateDetail } from '@lakeops/contracts';
import { type PublishedEvent, readQualityRuns, type TableDefinition } from '@lakeops/core';
import { kpiOpenKey, runKpiCheck, runQualityChecks, tables } from '@lakeops/lake';
import { InMemoryStateStore } from '@lakeops/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const DAY = '2026-11-20';
const clock = (at = `${DAY}T05:00:00Z`) => ({ now: () => new Date(at) });
const catalogTable = (name: string) => {
  const t = tables.find((x) => `${x.zone}.${x.name}` === name);
  if (!t) throw new Error(`no ${name}`);
  return t;
};

function recorder() {
  const published: PublishedEvent[] = [];
  return {
    published,
    events: { publish: async (e: readonly PublishedEvent[]) => void published.push(...e) },
  };
}

const payouts: TableDefinition = {
  zone: 'silver',
  name: 'qc_payouts',
  description: 'quality run test table',
  format: 'parquet',
  columns: [
    { name: 'payout_id', type: 'string', sensitivity: 'internal' },
    { name: 'status', type: 'string', sensitivity: 'public' },
    { name: 'amount', type: 'double', sensitivity: 'internal' },
  ],
  partitionKeys: ['dt'],
  primaryKey: ['payout_id'],
  userColumns: [],
};
/** Its one file is not Parquet: its checks cannot run. */
const corrupt: TableDefinition = { ...payouts, name: 'qc_corrupt' };

describe('runQualityChecks', () => {
  let root: string;
  let engine: DuckDbQueryEngine;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'lakeops-quality-run-'));
    engine = await DuckDbQueryEngine.open({ root, tables: [payouts, corrupt] });
    // dt=DAY: one NULL status and one duplicate payout_id; the day before is clean.
    await engine.writePartitions({
      table: payouts,
      sql: `SELECT * FROM (VALUES
        ('p1', 'paid', 10.0, '${DAY}'), ('p2', NULL, 11.0, '${DAY}'), ('p2', 'paid', 12.0, '${DAY}'),
        ('p0', 'paid', 9.0, '2026-11-19')) AS t (payout_id, status, amount, dt)`,
    });
    await mkdir(join(root, 'silver/qc_corrupt', `dt=${DAY}`), { recursive: true });
    await writeFile(join(root, 'silver/qc_corrupt', `dt=${DAY}`, 'part-0.parquet'), 'not parquet');
  }, 60_000);
  afterAll(async () => {
    await engine.close();
    await rm(root, { recursive: true, force: true });
  });

  it('runs each table on the day, records its run, and puts one expectation.failed per failure and one completion on the bus', async () => {
    // Prepare
    const state = new InMemoryStateStore();
    const { published, events } = recorder();
    // Act
    const outcome = await runQualityChecks(
      { engine, state, events, clock: clock() },
      { runId: 'q-1', dt: DAY, tables: [payouts, corrupt], suites: new Map() },
    );
    // Assess: the catalog's checks of qc_payouts on DAY: status not null and payout_id unique fail.
    const failed = published.filter((e) => e.detailType === 'expectation.failed');
    expect(
      failed.map((e) => [e.source, e.detail.table, e.detail.expectation, e.detail.partition]).sort(),
    ).toEqual(
      [
        ['lakeops.quality', 'silver.qc_payouts', 'unique(payout_id)', `dt=${DAY}`],
        ['lakeops.quality', 'silver.qc_payouts', 'not_null(status)', `dt=${DAY}`],
      ].sort(),
    );
    const completed = published.filter((e) => e.detailType === 'quality.run.completed');
    expect(completed).toHaveLength(1);
    expect(completed[0]?.detail).toMatchObject({
      run_id: 'q-1',
      suite: 'daily',
      status: 'error',
      expectations_failed: 2,
      partition: `dt=${DAY}`,
    });
    for (const e of published) expect(validateDetail(e.detailType, e.detail).ok, e.detailType).toBe(true);
    // The table that cannot be read is an error of the run, not of the others.
    expect(outcome).toMatchObject({ status: 'error', tables: 2, failed: 2 });
    expect(outcome.errors.map((e) => e.table)).toEqual(['silver.qc_corrupt']);
    // What the console reads.
    const runs = await readQualityRuns({ state });
    expect(runs.get('silver.qc_payouts')?.[0]).toMatchObject({
      runId: 'q-1',
      dt: DAY,
      status: 'failed',
      failed: 2,
    });
    expect(runs.has('silver.qc_corrupt')).toBe(false);
  });

  it('passes the clean day', async () => {
    // Prepare
    const state = new InMemoryStateStore();
    const { published, events } = recorder();
    // Act
    const outcome = await runQualityChecks(
      { engine, state, events, clock: clock() },
      { runId: 'q-2', dt: '2026-11-19', tables: [payouts], suites: new Map() },
    );
    // Assess
    expect(outcome).toMatchObject({ status: 'passed', failed: 0, errors: [] });
    expect(published.map((e) => [e.detailType, e.detail.status])).toEqual([
      ['quality.run.completed', 'passed'],
    ]);
  });
});

describe('runKpiCheck', () => {
  const gmv = catalogTable('gold.kpi_gmv_daily');
  const ctr = catalogTable('gold.kpi_promo_ctr');
  let root: string;
  let engine: DuckDbQueryEngine;
  /** 70 days to DAY: GMV per city with a weekly shape; `lisbonLast` is Lisbon's GMV on the last day. */
  const writeKpis = async (lisbonLast: number) => {
    await engine.writePartitions({
      table: gmv,
      sql: `SELECT city_id, CAST(CASE WHEN city_id = 'lis' AND d = DATE '${DAY}' THEN ${lisbonLast}
                    ELSE (CASE WHEN city_id = 'ber' THEN 20000 ELSE 10000 END) * (1 + 0.05 * isodow(d) / 7) END AS DECIMAL(12,2)) AS gmv,
                   CAST(100 AS BIGINT) AS confirmed_legs, CAST(90 AS BIGINT) AS bookings, 'EUR' AS currency,
                   strftime(d, '%Y-%m-%d') AS dt
            FROM range(DATE '${DAY}' - INTERVAL 69 DAY, DATE '${DAY}' + INTERVAL 1 DAY, INTERVAL 1 DAY) AS r(ts),
                 LATERAL (SELECT CAST(ts AS DATE) AS d), (VALUES ('ber'), ('lis')) AS c(city_id)`,
    });
  };
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'lakeops-kpi-check-'));
    engine = await DuckDbQueryEngine.open({ root, tables: [gmv, ctr] });
    await engine.writePartitions({
      table: ctr,
      sql: `SELECT 'cmp1' AS campaign_id, CAST(20000 AS BIGINT) AS impressions, CAST(800 AS BIGINT) AS clicks,
                   CAST(0 AS BIGINT) AS invalid_clicks, 0.04 AS ctr, 0.0 AS invalid_rate, strftime(CAST(ts AS DATE), '%Y-%m-%d') AS dt
            FROM range(DATE '${DAY}' - INTERVAL 69 DAY, DATE '${DAY}' + INTERVAL 1 DAY, INTERVAL 1 DAY) AS r(ts)`,
    });
  }, 60_000);
  afterEach(async () => undefined);
  afterAll(async () => {
    await engine.close();
    await rm(root, { recursive: true, force: true });
  });

  it('opens an anomaly once for Lisbon tripling, keeps it open without repeating it, and resolves it when Lisbon is back', async () => {
    // Prepare
    const state = new InMemoryStateStore();
    const { published, events } = recorder();
    await writeKpis(30000);
    // Act: the spike, the same day judged again, then the day back in range.
    const first = await runKpiCheck({ engine, state, events, clock: clock() });
    const again = await runKpiCheck({ engine, state, events, clock: clock(`${DAY}T06:00:00Z`) });
    await writeKpis(10300);
    const back = await runKpiCheck({ engine, state, events, clock: clock(`${DAY}T07:00:00Z`) });
    // Assess
    const lisbon = published.filter((e) => e.detail.segment === 'city=lis');
    expect(lisbon.map((e) => [e.source, e.detailType, e.detail.dt, e.detail.direction ?? null])).toEqual([
      ['lakeops.kpi', 'kpi.anomaly.detected', DAY, 'up'],
      ['lakeops.kpi', 'kpi.anomaly.resolved', DAY, null],
    ]);
    expect(published.filter((e) => e.detail.segment === 'city=ber')).toEqual([]);
    expect(published.filter((e) => e.detail.metric === 'ctr')).toEqual([]);
    for (const e of published) expect(validateDetail(e.detailType, e.detail).ok, e.detailType).toBe(true);
    expect(first.detected).toBeGreaterThanOrEqual(1);
    expect(again).toMatchObject({ detected: 0, resolved: 0, open: first.open });
    expect(back.open).toBe(0);
    expect((await state.get(kpiOpenKey))?.value).toEqual([]);
    expect(first.judged).toContainEqual({ metric: 'ctr', scope: 'all', date: DAY, status: 'normal' });
  });

  it('refuses to move the open anomalies over a concurrent run that moved them first', async () => {
    // Prepare: another run wrote the state between this run's read and its write.
    const state = new InMemoryStateStore();
    await writeKpis(30000);
    const racing = {
      ...state,
      get: async (key: Parameters<typeof state.get>[0]) => {
        const item = await state.get(key);
        await state.put(kpiOpenKey, [], item ? { if: item.version } : { if: 'absent' });
        return item;
      },
      put: state.put.bind(state),
      delete: state.delete.bind(state),
      query: state.query.bind(state),
    };
    // Act
    const run = runKpiCheck({ engine, state: racing, events: recorder().events, clock: clock() });
    // Assess
    await expect(run).rejects.toThrow();
    expect((await state.get(kpiOpenKey))?.value).toEqual([]);
  });
});
