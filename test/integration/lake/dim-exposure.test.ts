// silver.dim_exposure built by its SQL model on DuckDB from exp.exposed events in Bronze.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbQueryEngine } from '@lakeops/adapters-local';
import { buildLake, runDataTests, tables } from '@lakeops/lake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let n = 0;
const exposure = (detail: Record<string, unknown>, id = `ev-${++n}`) =>
  JSON.stringify({
    version: '0',
    id,
    'detail-type': 'exp.exposed',
    source: 'marketplace.experiments',
    account: '000000000000',
    time: String(detail.exposed_at),
    region: 'eu-west-1',
    resources: [],
    detail: { v: 1, ...detail },
  });

describe('silver.dim_exposure', () => {
  let home: string;
  let engine: DuckDbQueryEngine;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'lakeops-dim-exposure-'));
    const root = join(home, 'lake');
    const day = (dt: string, lines: string[]) =>
      mkdir(join(root, `bronze/events/dt=${dt}/hour=10`), { recursive: true }).then(() =>
        writeFile(join(root, `bronze/events/dt=${dt}/hour=10/test.json`), `${lines.join('\n')}\n`),
      );
    const e = { exp_key: 'checkout-cta' };
    await day('2026-11-01', [
      // u1: two exposures, same variant; the first is kept
      exposure({
        ...e,
        variant: 'treatment',
        user_id: 'u1',
        exposed_at: '2026-11-01T10:05:00Z',
        checkpoint: 'cart',
      }),
      exposure({
        ...e,
        variant: 'treatment',
        user_id: 'u1',
        exposed_at: '2026-11-01T10:01:00Z',
        checkpoint: 'search',
      }),
      // an anonymous visitor who logs in later as u2
      exposure({
        ...e,
        variant: 'control',
        anon_id: 'a2',
        exposed_at: '2026-11-01T10:00:00Z',
        checkpoint: 'home',
      }),
      // an anonymous visitor never linked
      exposure({ ...e, variant: 'control', anon_id: 'a3', exposed_at: '2026-11-01T10:02:00Z' }),
      // u4 seen in both variants
      exposure({ ...e, variant: 'control', user_id: 'u4', exposed_at: '2026-11-01T10:03:00Z' }),
      // the same event delivered twice
      exposure({ ...e, variant: 'control', user_id: 'u5', exposed_at: '2026-11-01T10:04:00Z' }, 'dup'),
      exposure({ ...e, variant: 'control', user_id: 'u5', exposed_at: '2026-11-01T10:04:00Z' }, 'dup'),
    ]);
    await day('2026-11-02', [
      exposure({
        ...e,
        variant: 'control',
        anon_id: 'a2',
        user_id: 'u2',
        exposed_at: '2026-11-02T09:00:00Z',
        checkpoint: 'login',
      }),
      exposure({ ...e, variant: 'treatment', user_id: 'u4', exposed_at: '2026-11-02T09:30:00Z' }),
      exposure({
        exp_key: 'search-ranking',
        variant: 'treatment',
        user_id: 'u1',
        exposed_at: '2026-11-02T11:00:00Z',
      }),
    ]);
    engine = await DuckDbQueryEngine.open({ root, tables, threads: 1 });
    await buildLake({ engine }, { select: ['silver.dim_exposure'] });
  });
  afterAll(async () => {
    await engine.close();
    await rm(home, { recursive: true, force: true });
  });

  it('keeps one row per unit and experiment: first exposure, anon ids stitched, conflicts flagged, duplicates dropped', async () => {
    // Act
    const rows = await engine.query(
      `SELECT exp_key, unit_id, user_id, anon_id, variant, CAST(exposed_at AS VARCHAR) AS exposed_at, checkpoint,
              exposures, conflicting_variants
       FROM silver.dim_exposure ORDER BY exp_key, unit_id`,
    );
    // Assess
    expect(rows.map((r) => ({ ...r, exposures: Number(r.exposures) }))).toEqual([
      {
        exp_key: 'checkout-cta',
        unit_id: 'anon:a3',
        user_id: null,
        anon_id: 'a3',
        variant: 'control',
        exposed_at: '2026-11-01 10:02:00',
        checkpoint: null,
        exposures: 1,
        conflicting_variants: false,
      },
      {
        exp_key: 'checkout-cta',
        unit_id: 'u1',
        user_id: 'u1',
        anon_id: null,
        variant: 'treatment',
        exposed_at: '2026-11-01 10:01:00',
        checkpoint: 'search',
        exposures: 2,
        conflicting_variants: false,
      },
      {
        exp_key: 'checkout-cta',
        unit_id: 'u2',
        user_id: 'u2',
        anon_id: null,
        variant: 'control',
        exposed_at: '2026-11-01 10:00:00',
        checkpoint: 'home',
        exposures: 2,
        conflicting_variants: false,
      },
      {
        exp_key: 'checkout-cta',
        unit_id: 'u4',
        user_id: 'u4',
        anon_id: null,
        variant: 'control',
        exposed_at: '2026-11-01 10:03:00',
        checkpoint: null,
        exposures: 2,
        conflicting_variants: true,
      },
      {
        exp_key: 'checkout-cta',
        unit_id: 'u5',
        user_id: 'u5',
        anon_id: null,
        variant: 'control',
        exposed_at: '2026-11-01 10:04:00',
        checkpoint: null,
        exposures: 1,
        conflicting_variants: false,
      },
      {
        exp_key: 'search-ranking',
        unit_id: 'u1',
        user_id: 'u1',
        anon_id: null,
        variant: 'treatment',
        exposed_at: '2026-11-02 11:00:00',
        checkpoint: null,
        exposures: 1,
        conflicting_variants: false,
      },
    ]);
  });

  it('passes the catalog data tests (unique exp_key + unit_id, not null, exposures >= 1)', async () => {
    // Act
    const results = await runDataTests(
      { engine },
      tables.filter((t) => t.name === 'dim_exposure'),
    );
    // Assess
    expect(results.length).toBeGreaterThan(3);
    expect(results.filter((r) => r.failures > 0)).toEqual([]);
  });

  it('is a user table: its user columns are user_id and unit_id, for DSAR purges', () => {
    // Act
    const table = tables.find((t) => t.name === 'dim_exposure');
    // Assess
    expect(table?.userColumns).toEqual(['user_id', 'unit_id']);
  });
});
