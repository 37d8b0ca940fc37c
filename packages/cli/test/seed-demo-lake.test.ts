import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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
    const second = await ensureDemoLake({ home, days: 2, users: 100, seed: 42, end });
    // Assess
    expect(first).toEqual({ seeded: true, built: true });
    expect(second).toEqual({ seeded: false, built: false });
    expect(seen.filter((p) => p.phase === 'seed').at(-1)).toMatchObject({ done: 2, total: 2 });
    expect(seen.filter((p) => p.phase === 'build').at(-1)).toMatchObject({ done: 52, total: 52 });
    const lake = await openLocalLake(home);
    expect(await lake.engine.query('SELECT count(DISTINCT dt) AS days FROM gold.kpi_gmv_daily')).toEqual([
      { days: 2 },
    ]);
    await lake.close();
  });

  it('seeds a home where the local bus already archived events, and keeps them', async () => {
    // Prepare: someone ran put-events before their first npm start.
    const busHome = await mkdtemp(join(tmpdir(), 'lakeops-demo-bus-'));
    const busFile = join(
      busHome,
      'lake/bronze/events/dt=2026-11-20/hour=09/part-20261120T090000Z-1-abc.json',
    );
    await mkdir(dirname(busFile), { recursive: true });
    await writeFile(busFile, '{"id":"e1"}\n');
    try {
      // Act
      const result = await ensureDemoLake({ home: busHome, days: 1, users: 50, seed: 1, end });
      // Assess
      expect(result).toEqual({ seeded: true, built: true });
      expect(await readFile(busFile, 'utf8')).toBe('{"id":"e1"}\n');
    } finally {
      await rm(busHome, { recursive: true, force: true });
    }
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

  it('prints one plain line per finished phase otherwise (no progress off a terminal)', () => {
    // Prepare
    const out = sink(false);
    const print = progressPrinter(out.stream);
    // Act
    print({ phase: 'build', done: 1, total: 26, label: 'silver.fact_checkouts' });
    print({ phase: 'build', done: 26, total: 26, label: 'gold.kpi_take_rate' });
    // Assess
    expect(out.text()).toBe('build 26/26 gold.kpi_take_rate\n');
  });
});
