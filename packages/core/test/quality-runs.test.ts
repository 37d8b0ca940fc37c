import { InMemoryStateStore, ManualClock } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';
import { readQualityRuns, recordQualityRun } from '../src/index.ts';

const result = (expectation: string, success: boolean, severity: 'error' | 'warn' = 'error') => ({
  table: 'silver.fact_payments',
  expectation,
  severity,
  success,
  observed: success ? 0 : 12.5,
  threshold: '≤ 0 %',
});

describe('quality runs in the state store', () => {
  it('keeps a summary per run, reads the latest first per suite, and expires them', async () => {
    // Prepare
    const clock = new ManualClock('2026-12-01T10:00:00Z');
    const state = new InMemoryStateStore({ clock });
    const deps = { state, clock };
    const suite = 'silver.fact_payments';
    await recordQualityRun(deps, {
      suite,
      runId: 'r1',
      startedAt: clock.now(),
      dt: null,
      results: [result('a', true), result('b', true)],
    });
    clock.advance(60);
    // Act
    const second = await recordQualityRun(deps, {
      suite,
      runId: 'r2',
      startedAt: clock.now(),
      dt: '2026-12-01',
      results: [result('a', true), result('w', false, 'warn'), result('b', false)],
    });
    await recordQualityRun(deps, {
      suite: 'gold.kpi_gmv_daily',
      runId: 'r3',
      startedAt: clock.now(),
      dt: null,
      results: [result('c', true)],
    });
    const runs = await readQualityRuns(deps);
    clock.advance(31 * 86_400);
    const later = await readQualityRuns(deps);
    // Assess
    expect(second).toMatchObject({ status: 'failed', expectations: 3, failed: 1, warnings: 1 });
    expect(second.failures.map((f) => [f.expectation, f.severity, f.observed, f.threshold])).toEqual([
      ['b', 'error', 12.5, '≤ 0 %'],
      ['w', 'warn', 12.5, '≤ 0 %'],
    ]);
    expect(runs.get(suite)?.map((r) => [r.runId, r.status])).toEqual([
      ['r2', 'failed'],
      ['r1', 'passed'],
    ]);
    expect([...runs.keys()].sort()).toEqual(['gold.kpi_gmv_daily', suite]);
    expect(later.size).toBe(0);
  });
});
