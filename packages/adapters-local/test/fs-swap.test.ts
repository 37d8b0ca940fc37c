import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TableDefinition } from '@lakeops/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recoverInterruptedSwaps, swapDir } from '../src/fs-swap.ts';
import { DuckDbQueryEngine } from '../src/index.ts';

const daily: TableDefinition = {
  zone: 'gold',
  name: 'daily',
  description: 'test',
  format: 'parquet',
  columns: [{ name: 'n', type: 'bigint', sensitivity: 'internal' }],
  partitionKeys: ['dt'],
  primaryKey: [],
  userColumns: [],
};

/** Per partition folder of `table`: its files' contents; and the hidden entries beside them. */
async function partitions(table: string): Promise<{ whole: Record<string, string>; hidden: string[] }> {
  const whole: Record<string, string> = {};
  const hidden: string[] = [];
  for (const entry of await readdir(table)) {
    if (entry.startsWith('.')) {
      hidden.push(entry);
      continue;
    }
    const files = await readdir(join(table, entry));
    whole[entry] = (await Promise.all(files.map((f) => readFile(join(table, entry, f), 'utf8')))).join('|');
  }
  return { whole, hidden };
}

describe('swapDir after a kill', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'lakeops-swap-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('puts back a partition a write killed between its two renames left missing, when an engine opens', async () => {
    // Prepare: dt=2026-11-19 was moved aside and its new version never moved in; dt=2026-11-20
    // was swapped, but its old version was not deleted yet; an aside of an earlier version's name.
    const table = join(root, 'gold/daily');
    for (const dt of ['2026-11-19', '2026-11-20', '2026-11-21']) {
      await mkdir(join(table, `dt=${dt}`), { recursive: true });
      await writeFile(join(table, `dt=${dt}`, 'data_0.parquet'), `old ${dt}`);
    }
    await rename(join(table, 'dt=2026-11-19'), join(table, '.replaced-dt=2026-11-19'));
    await mkdir(join(table, '.replaced-dt=2026-11-20'));
    await rename(
      join(table, 'dt=2026-11-21'),
      join(table, '.replaced-dt=2026-11-21-6f1c2a9e-3b4d-4e5f-8a7b-1c2d3e4f5a6b'),
    );
    // Act
    const engine = await DuckDbQueryEngine.open({ root, tables: [daily], threads: 1 });
    await engine.close();
    // Assess
    expect(await partitions(table)).toEqual({
      whole: {
        'dt=2026-11-19': 'old 2026-11-19',
        'dt=2026-11-20': 'old 2026-11-20',
        'dt=2026-11-21': 'old 2026-11-21',
      },
      hidden: [],
    });
  });

  it('removes what killed writes left under _staging a day ago when a read-write engine opens, and nothing newer', async () => {
    // Prepare: a COPY's staging folder and a scratch file of Bronze lines, both two days old; a
    // staging folder of a write that started a minute ago (another process, still running).
    const staging = join(root, '_staging');
    const old = ['gold.daily-1b2c', 'ndjson-3d4e'];
    for (const name of [...old, 'gold.daily-5f6a']) {
      await mkdir(join(staging, name, 'dt=2026-11-20'), { recursive: true });
      await writeFile(join(staging, name, 'dt=2026-11-20', 'data_0.parquet'), 'partial');
    }
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    const aMinuteAgo = new Date(Date.now() - 60_000);
    for (const name of old) await utimes(join(staging, name), twoDaysAgo, twoDaysAgo);
    await utimes(join(staging, 'gold.daily-5f6a'), aMinuteAgo, aMinuteAgo);
    // Act
    const reader = await DuckDbQueryEngine.open({ root, tables: [daily], threads: 1, access: 'read-only' });
    await reader.close();
    const afterReader = (await readdir(staging)).sort();
    const writer = await DuckDbQueryEngine.open({ root, tables: [daily], threads: 1 });
    await writer.close();
    // Assess
    expect(afterReader).toEqual(['gold.daily-1b2c', 'gold.daily-5f6a', 'ndjson-3d4e']);
    expect(await readdir(staging)).toEqual(['gold.daily-5f6a']);
  });

  it('leaves every partition whole (its old or its new version) when killed at any point, once recovered', async () => {
    // Prepare
    const table = join(root, 'lake/t');
    await mkdir(table, { recursive: true });
    const fixture = join(import.meta.dirname, 'fixtures/swap-loop.ts');
    let caughtBetween = 0;
    let kills = 0;
    // Act: kill the loop at random points until a kill has landed between a swap's two renames
    // three times (about one kill in ten does), at most 300 kills.
    while (caughtBetween < 3 && kills < 300) {
      await new Promise<void>((resolve) => {
        const child = spawn(process.execPath, [fixture, table, '5'], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        child.stdout.once('data', () => setTimeout(() => child.kill('SIGKILL'), Math.random() * 20));
        child.on('exit', () => resolve());
      });
      kills++;
      const before = await partitions(table);
      if (Object.keys(before.whole).length < 5) caughtBetween++;
      recoverInterruptedSwaps(table, 0);
      // Assess
      const after = await partitions(table);
      expect(after.hidden).toEqual([]);
      expect(Object.keys(after.whole).sort()).toEqual(['p=0', 'p=1', 'p=2', 'p=3', 'p=4']);
      for (const content of Object.values(after.whole)) expect(content).toMatch(/^v\d+$/);
    }
    expect(caughtBetween).toBeGreaterThan(0);
  }, 120_000);

  it('swaps over a partition whose previous swap was interrupted', async () => {
    // Prepare
    const target = join(root, 't/p=1');
    await mkdir(join(root, 't/.replaced-p=1'), { recursive: true });
    await writeFile(join(root, 't/.replaced-p=1/data.txt'), 'v1');
    await mkdir(join(root, 'staged'));
    await writeFile(join(root, 'staged/data.txt'), 'v2');
    // Act
    await swapDir(target, join(root, 'staged'));
    // Assess
    expect(await partitions(join(root, 't'))).toEqual({ whole: { 'p=1': 'v2' }, hidden: [] });
  });
});
