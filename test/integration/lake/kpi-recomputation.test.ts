import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbQueryEngine, FsObjectStore } from '@lakeops/adapters-local';
import { buildLake, runDataTests, seedBronze, tables, writtenByFunctions } from '@lakeops/lake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The whole lake of §1.13.D built from a seeded marketplace large enough that every table has
// rows, and one Gold KPI per family recomputed here, in TypeScript, from the Silver rows: not
// the model's SQL, so a wrong join, filter or bucket in a model shows as a difference.

const end = new Date('2026-11-20T23:59:59.999Z');
type Row = Record<string, unknown>;
const ms = (v: unknown) => Date.parse(`${String(v).replace(' ', 'T')}Z`);
const num = (v: unknown) => Number(v);
const byKey = (rows: readonly Row[], key: (r: Row) => string) => {
  const out = new Map<string, Row[]>();
  for (const r of rows) out.set(key(r), [...(out.get(key(r)) ?? []), r]);
  return out;
};
const sortRows = (rows: readonly Row[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('the lake of §1.13.D', () => {
  let home: string;
  let engine: DuckDbQueryEngine;
  const q = (sql: string) => engine.query(sql) as Promise<Row[]>;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'lakeops-kpi-'));
    const root = join(home, 'lake');
    await seedBronze({ store: new FsObjectStore({ root }) }, { days: 10, users: 1200, seed: 7, end });
    engine = await DuckDbQueryEngine.open({ root, tables, threads: 1 });
    await buildLake({ engine });
  }, 300_000);
  afterAll(async () => {
    await engine.close();
    await rm(home, { recursive: true, force: true });
  });

  it('fills every Silver and Gold table from the seeded marketplace, and every data test passes', async () => {
    // Act
    const empty: string[] = [];
    // gold.exp_results is written by the experiment analysis, not by a model (exp-analyze.test.ts)
    for (const t of tables.filter(
      (t) => t.zone !== 'bronze' && t.zone !== 'nrt' && !(`${t.zone}.${t.name}` in writtenByFunctions),
    )) {
      const [row] = await q(`SELECT count(*) AS n FROM ${t.zone}.${t.name}`);
      if (!(num(row?.n) > 0)) empty.push(`${t.zone}.${t.name}`);
    }
    const failed = (
      await runDataTests(
        { engine },
        tables.filter((t) => t.zone !== 'bronze' && t.zone !== 'nrt'),
      )
    ).filter((r) => r.failures > 0);
    // Assess
    expect(empty).toEqual([]);
    expect(failed).toEqual([]);
  });

  it('supply: kpi_acceptance_window_hist from the request and decision of each leg', async () => {
    // Prepare
    const legs = await q(
      'SELECT leg_id, status, CAST(occurred_at AS VARCHAR) AS at, dt FROM silver.fact_booking_legs',
    );
    const requested = new Map(legs.filter((l) => l.status === 'requested').map((l) => [l.leg_id, ms(l.at)]));
    const expected = new Map<
      string,
      { dt: string; bucket: string; legs: number; confirmed: number; declined: number }
    >();
    for (const l of legs.filter((l) => l.status === 'confirmed' || l.status === 'declined')) {
      const start = requested.get(l.leg_id);
      if (start === undefined) continue;
      const hours = (ms(l.at) - start) / 3_600_000;
      const bucket =
        hours < 1 ? '0-1h' : hours < 2 ? '1-2h' : hours < 6 ? '2-6h' : hours < 24 ? '6-24h' : '24h+';
      const key = `${l.dt}|${bucket}`;
      const e = expected.get(key) ?? { dt: String(l.dt), bucket, legs: 0, confirmed: 0, declined: 0 };
      e.legs++;
      if (l.status === 'confirmed') e.confirmed++;
      else e.declined++;
      expected.set(key, e);
    }
    // Act
    const actual = await q(
      'SELECT dt, bucket, legs, confirmed, declined FROM gold.kpi_acceptance_window_hist',
    );
    // Assess
    expect(expected.size).toBeGreaterThan(5);
    expect(sortRows(actual)).toEqual(sortRows([...expected.values()]));
  });

  it('trust: kpi_idv_pass_rate from the identity checks', async () => {
    // Prepare
    const checks = await q("SELECT result, dt FROM silver.fact_idv_bg WHERE kind = 'idv'");
    const expected = [...byKey(checks, (c) => String(c.dt))].map(([dt, rows]) => {
      const passed = rows.filter((r) => r.result === 'pass').length;
      return { dt, checks: rows.length, passed, pass_rate: passed / rows.length };
    });
    // Act
    const actual = await q('SELECT dt, checks, passed, pass_rate FROM gold.kpi_idv_pass_rate');
    // Assess
    expect(expected.length).toBeGreaterThan(3);
    expect(sortRows(actual)).toEqual(sortRows(expected));
  });

  it('promotions: kpi_invalid_rate from the promoted clicks', async () => {
    // Prepare
    const events = await q(
      "SELECT city_id, kind, dt FROM silver.fact_promotions_events WHERE kind <> 'impression'",
    );
    const expected = [...byKey(events, (e) => `${e.dt}|${e.city_id}`)].map(([key, rows]) => {
      const invalid = rows.filter((r) => r.kind === 'invalid').length;
      const [dt, city_id] = key.split('|');
      return {
        dt,
        city_id,
        clicks: rows.length,
        invalid_clicks: invalid,
        invalid_rate: invalid / rows.length,
      };
    });
    // Act
    const actual = await q(
      'SELECT dt, city_id, clicks, invalid_clicks, invalid_rate FROM gold.kpi_invalid_rate',
    );
    // Assess
    expect(expected.some((e) => e.invalid_clicks > 0)).toBe(true);
    expect(sortRows(actual)).toEqual(sortRows(expected));
  });

  it('comms: kpi_delivery counts each notification on the day it was sent', async () => {
    // Prepare
    const rows = await q('SELECT notification_id, channel, status, dt FROM silver.fact_notifications');
    const delivered = new Set(rows.filter((r) => r.status === 'delivered').map((r) => r.notification_id));
    const sent = rows.filter((r) => r.status === 'sent');
    const expected = [...byKey(sent, (r) => `${r.dt}|${r.channel}`)].map(([key, group]) => {
      const [dt, channel] = key.split('|');
      const d = group.filter((r) => delivered.has(r.notification_id)).length;
      return { dt, channel, sent: group.length, delivered: d, delivery_rate: d / group.length };
    });
    // Act
    const actual = await q('SELECT dt, channel, sent, delivered, delivery_rate FROM gold.kpi_delivery');
    // Assess
    expect(expected.some((e) => e.delivered < e.sent)).toBe(true);
    expect(sortRows(actual)).toEqual(sortRows(expected));
  });

  it('SRE: kpi_error_rates weights each sampled request by 1/sample_rate', async () => {
    // Prepare
    const requests = await q('SELECT route, status_code, sample_rate, dt FROM silver.fact_api_requests');
    const expected = [...byKey(requests, (r) => `${r.dt}|${r.route}`)].map(([key, group]) => {
      const [dt, route] = key.split('|');
      const w = (r: Row) => 1 / num(r.sample_rate);
      const total = group.reduce((s, r) => s + w(r), 0);
      const server = group.filter((r) => num(r.status_code) >= 500).reduce((s, r) => s + w(r), 0);
      const client = group
        .filter((r) => num(r.status_code) >= 400 && num(r.status_code) < 500)
        .reduce((s, r) => s + w(r), 0);
      return { dt, route, requests: total, server: server / total, client: client / total };
    });
    // Act
    const actual = await q(
      'SELECT dt, route, requests, server_error_rate AS server, client_error_rate AS client FROM gold.kpi_error_rates',
    );
    // Assess
    expect(expected.some((e) => e.server > 0)).toBe(true);
    expect(actual).toHaveLength(expected.length);
    const got = new Map(actual.map((a) => [`${a.dt}|${a.route}`, a]));
    for (const e of expected) {
      const a = got.get(`${e.dt}|${e.route}`);
      expect(num(a?.requests)).toBeCloseTo(e.requests, 6);
      expect(num(a?.server)).toBeCloseTo(e.server, 9);
      expect(num(a?.client)).toBeCloseTo(e.client, 9);
    }
  });
});
