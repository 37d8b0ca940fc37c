import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Progress } from '@lakeops/lake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDemoLake, openLocalLake, progressPrinter } from '../src/lake.ts';

const end = new Date('2026-11-20T23:59:59.999Z');

describe('ensureDemoLake', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'lakeops-demo-'));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('seeds and builds a fresh home with progress, then returns at once', async () => {
    // Prepare
    const seen: Progress[] = [];
    // Act
    const first = await ensureDemoLake({
      home,
      days: 2,
      users: 100,
      seed: 42,
      end,
      progress: (p) => seen.push(p),
    });
    const started = performance.now();
    const second = await ensureDemoLake({ home, days: 2, users: 100, seed: 42, end });
    const secondMs = performance.now() - started;
    // Assess
    expect(first).toEqual({ seeded: true, built: true });
    expect(second).toEqual({ seeded: false, built: false });
    expect(secondMs).toBeLessThan(200);
    expect(seen.filter((p) => p.phase === 'seed').at(-1)).toMatchObject({ done: 2, total: 2 });
    expect(seen.filter((p) => p.phase === 'build').at(-1)).toMatchObject({ done: 26, total: 26 });
    const lake = await openLocalLake(home);
    expect(await lake.engine.query('SELECT count(DISTINCT dt) AS days FROM gold.kpi_gmv_daily')).toEqual([
      { days: 2 },
    ]);
    await lake.close();
  });

  it('only builds when Bronze exists without Gold', async () => {
    // Prepare
    await rm(join(home, 'lake', 'gold'), { recursive: true, force: true });
    // Act
    const result = await ensureDemoLake({ home, days: 2, users: 100, seed: 42, end });
    // Assess
    expect(result).toEqual({ seeded: false, built: true });
  });
});

describe('progressPrinter', () => {
  function sink(isTTY: boolean) {
    let text = '';
    const stream = Object.assign(
      new Writable({
        write(chunk, _enc, done) {
          text += String(chunk);
          done();
        },
      }),
      { isTTY },
    );
    return { stream, text: () => text };
  }

  it('draws one redrawn bar on a terminal', () => {
    // Prepare
    const out = sink(true);
    const print = progressPrinter(out.stream);
    // Act
    print({ phase: 'seed', done: 1, total: 2, label: '2026-11-19' });
    print({ phase: 'seed', done: 2, total: 2, label: '2026-11-20' });
    // Assess
    expect(out.text()).toMatch(
      /^\rseed {3}█{14}░{14} {3}1\/2 2026-11-19 +\rseed {3}█{28} {3}2\/2 2026-11-20 +\n$/,
    );
  });

  it('prints plain lines otherwise', () => {
    // Prepare
    const out = sink(false);
    const print = progressPrinter(out.stream);
    // Act
    print({ phase: 'build', done: 1, total: 26, label: 'silver.fact_checkouts' });
    // Assess
    expect(out.text()).toBe('build 1/26 silver.fact_checkouts\n');
  });
});
