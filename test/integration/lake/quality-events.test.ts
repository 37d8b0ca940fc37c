import { validateDetail } from '@lakeops/contracts';
import type { KpiVerdict } from '@lakeops/core';
import { type ExpectationResult, kpiAnomalyEvents, qualityRunEvents } from '@lakeops/lake';
import { describe, expect, it } from 'vitest';

const result = (over: Partial<ExpectationResult>): ExpectationResult => ({
  table: 'silver.fact_payments',
  expectation: 'not_null(payment_id)',
  type: 'expect_column_values_to_not_be_null',
  severity: 'error',
  dt: '2026-11-20',
  success: true,
  observed: 0,
  threshold: '0 unexpected',
  unexpectedCount: 0,
  elementCount: 10,
  identity: 'silver.fact_payments|not_null(payment_id)',
  reason: '0 of 10 values unexpected (0%)',
  sampleKeys: [],
  ...over,
});
const run = (runId: string, dt: string) => ({
  runId,
  suite: 'daily',
  startedAt: new Date('2026-11-21T02:00:00Z'),
  finishedAt: new Date('2026-11-21T02:00:09Z'),
  dt,
});

describe('qualityRunEvents', () => {
  it('sends one expectation.failed per failure and a completed summary, both valid against their contracts', () => {
    // Prepare
    const results = [
      result({}),
      result({
        expectation: 'amount >= 0',
        success: false,
        observed: 20,
        unexpectedCount: 2,
        threshold: '0 unexpected',
        sampleKeys: ['pay-1', 'pay-2'],
      }),
      result({ expectation: 'freshness', success: false, severity: 'warn', observed: null, dt: null }),
    ];
    // Act
    const { failed, completed } = qualityRunEvents(results, run('r1', '2026-11-20'));
    // Assess
    expect(failed.map((f) => [f.expectation, f.severity, f.observed, f.partition, f.sample_keys])).toEqual([
      ['amount >= 0', 'error', 20, 'dt=2026-11-20', ['pay-1', 'pay-2']],
      ['freshness', 'warn', 'none', undefined, undefined],
    ]);
    expect(completed).toMatchObject({
      status: 'failed',
      expectations_total: 3,
      expectations_failed: 2,
      partition: 'dt=2026-11-20',
    });
    for (const detail of failed)
      expect(validateDetail('expectation.failed', detail)).toEqual({ ok: true, unknownFields: [] });
    expect(validateDetail('quality.run.completed', completed)).toEqual({ ok: true, unknownFields: [] });
  });

  it('keeps the identity (table, expectation) of a failure that persists into the next run and partition', () => {
    // Prepare
    const failing = result({ expectation: 'amount >= 0', success: false, observed: 20 });
    // Act
    const first = qualityRunEvents([failing], run('r1', '2026-11-20')).failed[0];
    const second = qualityRunEvents([{ ...failing, dt: '2026-11-21', observed: 30 }], run('r2', '2026-11-21'))
      .failed[0];
    // Assess
    expect([second?.table, second?.expectation]).toEqual([first?.table, first?.expectation]);
    expect(second?.run_id).not.toBe(first?.run_id);
  });

  it('reports a clean run as passed', () => {
    // Act
    const { failed, completed } = qualityRunEvents([result({})], run('r3', '2026-11-20'));
    // Assess
    expect(failed).toEqual([]);
    expect(completed.status).toBe('passed');
  });
});

const verdict = (
  date: string,
  status: KpiVerdict['status'],
  observed: number | null,
  scope = 'all',
): KpiVerdict => ({
  date,
  scope,
  metric: 'gmv',
  detector: 'robust',
  status,
  observed,
  baseline: 1000,
  deltaPct: observed === null ? null : (observed / 1000 - 1) * 100,
  severity: status === 'anomaly' ? 'critical' : null,
  score: null,
  volume: observed,
  skip: status === 'skipped' ? 'missing-day' : null,
  holiday: null,
  band: null,
  reason: '',
});

describe('kpiAnomalyEvents', () => {
  it('detects once, stays quiet while it lasts, and resolves when back in range', () => {
    // Prepare
    const t1 = new Date('2026-11-21T06:00:00Z');
    const t2 = new Date('2026-11-22T06:00:00Z');
    const t3 = new Date('2026-11-23T06:00:00Z');
    // Act
    const day1 = kpiAnomalyEvents([verdict('2026-11-20', 'anomaly', 400, 'lis')], [], t1);
    const day2 = kpiAnomalyEvents([verdict('2026-11-21', 'anomaly', 450, 'lis')], day1.open, t2);
    const day3 = kpiAnomalyEvents([verdict('2026-11-22', 'normal', 990, 'lis')], day2.open, t3);
    // Assess
    expect(day1.detected).toEqual([
      {
        v: 1,
        metric: 'gmv',
        dt: '2026-11-20',
        observed: 400,
        baseline: 1000,
        delta_pct: -60,
        baseline_days: 42,
        segment: 'city=lis',
        direction: 'down',
        severity: 'critical',
        detected_at: '2026-11-21T06:00:00.000Z',
      },
    ]);
    expect([day2.detected, day2.resolved]).toEqual([[], []]);
    expect(day3.resolved).toMatchObject([
      { dt: '2026-11-22', detected_at: '2026-11-21T06:00:00.000Z', resolved_at: '2026-11-23T06:00:00.000Z' },
    ]);
    expect(day3.open).toEqual([]);
    expect(validateDetail('kpi.anomaly.detected', day1.detected[0])).toEqual({ ok: true, unknownFields: [] });
    expect(validateDetail('kpi.anomaly.resolved', day3.resolved[0])).toEqual({ ok: true, unknownFields: [] });
  });

  it('a day not judged (missing) neither resolves nor detects', () => {
    // Prepare
    const open = [{ key: 'gmv|all', detectedAt: '2026-11-21T06:00:00.000Z' }];
    // Act
    const out = kpiAnomalyEvents(
      [verdict('2026-11-21', 'skipped', null)],
      open,
      new Date('2026-11-22T06:00:00Z'),
    );
    // Assess
    expect(out).toEqual({ detected: [], resolved: [], open });
  });
});
