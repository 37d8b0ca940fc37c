import type { NrtViewRecord } from '@lakeops/core';
import { describe, expect, it } from 'vitest';
import { freshnessOf, opsViewName } from '../src/index.ts';

const now = new Date('2026-12-01T12:00:00Z');
const record = (secondsAgo: number, stale = false): NrtViewRecord => ({
  day: '2026-12-01',
  watermark: '2026-12-01T11:58:00Z',
  hours: ['11'],
  rows: 1,
  lastHours: ['11'],
  durationMs: 1,
  refreshedAt: new Date(now.getTime() - secondsAgo * 1000).toISOString(),
  lastError: null,
  lastErrorAt: null,
  stale,
});

describe('freshnessOf', () => {
  it('is fresh up to 10 minutes, amber past them, red past 15, when never refreshed, or while the alarm is on', () => {
    // Act
    const levels = [0, 600, 601, 900, 901].map((s) => freshnessOf(record(s), now).level);
    const never = freshnessOf(undefined, now);
    const alarmed = freshnessOf(record(30, true), now);
    // Assess
    expect(levels).toEqual(['fresh', 'fresh', 'amber', 'amber', 'red']);
    expect(never).toMatchObject({ level: 'red', lagSeconds: null, refreshedAt: null });
    expect(alarmed).toMatchObject({ level: 'red', lagSeconds: 30, stale: true });
  });
});

describe('opsViewName', () => {
  it('takes a view with or without its zone, and refuses others with a 404 naming the views', () => {
    // Act
    const names = [opsViewName('nrt.recon_gates'), opsViewName('payout_backlog')];
    const unknown = () => opsViewName('nrt.bronze_events');
    // Assess
    expect(names).toEqual(['recon_gates', 'payout_backlog']);
    expect(unknown).toThrow(expect.objectContaining({ status: 404, code: 'ViewUnknown' }));
    expect(unknown).toThrow(/nrt\.recon_gates, nrt\.payout_backlog, nrt\.dispute_queue/);
  });
});
