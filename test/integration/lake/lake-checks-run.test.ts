// The daily quality-check and kpi-check schedules as `lakeops start` runs them (`lakeops run`, the
// local composition root), on a small seeded lake: their events go to the outbox file (no bus).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbQueryEngine, FsObjectStore, SqliteStateStore } from '@lakeops/adapters-local';
import { main } from '@lakeops/cli';
import { validateDetail } from '@lakeops/contracts';
import { readQualityRuns } from '@lakeops/core';
import { buildLake, kpiOpenKey, seedBronze, tables } from '@lakeops/lake';
import { repoRoot } from '@lakeops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureContext } from '../../../packages/cli/test/capture-context.ts';

const end = new Date('2026-11-20T23:59:59.999Z');

async function lakeops(home: string, ...args: string[]) {
  const { ctx, out } = captureContext({ cwd: repoRoot, env: { LAKEOPS_HOME: home } });
  const code = await main(args, ctx);
  return { code, ...out };
}

async function published(home: string) {
  const text = await readFile(join(home, 'events', 'published.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { source: string; 'detail-type': string; detail: Record<string, unknown> });
}

describe('the daily checks under the local runtime', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'lakeops-checks-run-'));
    const root = join(home, 'lake');
    await seedBronze({ store: new FsObjectStore({ root }) }, { days: 3, users: 200, seed: 5, end });
    const engine = await DuckDbQueryEngine.open({ root, tables, threads: 1 });
    try {
      await buildLake({ engine });
    } finally {
      await engine.close();
    }
  }, 300_000);
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('quality-check due 2026-11-21T05:00Z checks every suite on 2026-11-20, records the runs and sends one completion', async () => {
    // Act
    const { code, stdout, stderr } = await lakeops(
      home,
      'run',
      'quality-check',
      '--at',
      '2026-11-21T05:00:00Z',
    );
    // Assess
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const events = (await published(home)).filter((e) => e.source === 'lakeops.quality');
    const completed = events.filter((e) => e['detail-type'] === 'quality.run.completed');
    expect(completed).toHaveLength(1);
    expect(completed[0]?.detail).toMatchObject({ suite: 'daily', partition: 'dt=2026-11-20' });
    const failed = events.filter((e) => e['detail-type'] === 'expectation.failed');
    expect(completed[0]?.detail.expectations_failed).toBe(failed.length);
    // The run's line names the completion's status.
    expect(stdout).toBe(
      `quality-check (aws.scheduler / Scheduled Event, id ${stdout.match(/id ([^)]+)\)/)?.[1]}): ${completed[0]?.detail.status}\n`,
    );
    for (const e of events)
      expect(validateDetail(e['detail-type'], e.detail).ok, e['detail-type']).toBe(true);
    // One run record per table with a suite, for the console.
    const state = new SqliteStateStore({ file: join(home, 'state.sqlite') });
    try {
      const runs = await readQualityRuns({ state });
      expect(runs.size).toBe(completed[0]?.detail.tables && (completed[0].detail.tables as string[]).length);
      expect([...runs.values()].every((r) => r[0]?.dt === '2026-11-20')).toBe(true);
    } finally {
      state.close();
    }
  });

  it('kpi-check judges the KPIs and keeps the open anomalies (none on 3 days: too short a baseline to judge)', async () => {
    // Act
    const { code, stderr } = await lakeops(home, 'run', 'kpi-check', '--at', '2026-11-21T05:30:00Z');
    // Assess
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect((await published(home)).filter((e) => e.source === 'lakeops.kpi')).toEqual([]);
    const state = new SqliteStateStore({ file: join(home, 'state.sqlite') });
    try {
      expect((await state.get(kpiOpenKey))?.value).toEqual([]);
    } finally {
      state.close();
    }
  });
});
