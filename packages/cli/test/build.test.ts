import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/main.ts';
import { captureContext } from './capture-context.ts';

const context = (home: string) => captureContext({ env: { LAKEOPS_HOME: home }, cwd: home });

async function filesUnder(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { recursive: true })) {
    const path = join(dir, entry);
    if ((await stat(path)).isFile()) out.set(entry, await readFile(path));
  }
  return out;
}

describe('lakeops build', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'lakeops-build-cli-'));
    const { ctx } = context(home);
    expect(
      await main(['seed', '--days', '3', '--users', '300', '--end', '2026-11-20', '--no-build'], ctx),
    ).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('builds every model and passes the data tests with --test', async () => {
    // Prepare
    const { ctx, out } = context(home);
    // Act
    const code = await main(['build', '--test'], ctx);
    // Assess
    expect(code).toBe(0);
    expect(out.stdout).toMatch(
      /^built 27 models \(all days 2026-11-18 … 2026-11-20\) in [\d.]+ s\ndata tests passed\n$/,
    );
  });

  it('rebuilds one day of Gold incrementally', async () => {
    // Prepare
    const { ctx, out } = context(home);
    // Act
    const code = await main(['build', '--from', '2026-11-20', '--to', '2026-11-20', '--select', 'gold'], ctx);
    // Assess
    expect(code).toBe(0);
    expect(out.stdout).toMatch(/^built 9 models \(dt 2026-11-20 … 2026-11-20\)/);
  });

  it('stops with one line on a corrupt input file and leaves Gold as it was', async () => {
    // Prepare
    const file = join(home, 'lake/silver/fact_search_impressions/dt=2026-11-19/city_id=lis/data_0.parquet');
    const good = await readFile(file);
    const goldBefore = await filesUnder(join(home, 'lake/gold'));
    await writeFile(file, 'truncated');
    const { ctx, out } = context(home);
    try {
      // Act
      const code = await main(
        ['build', '--from', '2026-11-19', '--to', '2026-11-19', '--select', 'gold'],
        ctx,
      );
      // Assess
      expect(code).toBe(1);
      expect(out.stderr).toMatch(
        /(^|\n)lakeops build: model gold\.\w+ failed: corrupt data file silver\/fact_search_impressions\/dt=2026-11-19\/city_id=lis\/data_0\.parquet: [^\n]+\n$/,
      );
      expect(await filesUnder(join(home, 'lake/gold'))).toEqual(goldBefore);
    } finally {
      await writeFile(file, good);
    }
  });

  it.each([
    [['--from', '2026-11-31'], "lakeops build: --from must be a date YYYY-MM-DD, got '2026-11-31'\n"],
    [
      ['--from', '2026-11-20', '--to', '2026-11-01'],
      'lakeops build: --from 2026-11-20 is after --to 2026-11-01\n',
    ],
    [['--select', 'gold.kpi_nope'], "lakeops build: --select: no model or zone named 'gold.kpi_nope'\n"],
  ])('%j gives one line and exit code 2', async (args, line) => {
    // Prepare
    const { ctx, out } = context(home);
    // Act
    const code = await main(['build', ...args], ctx);
    // Assess
    expect(code).toBe(2);
    expect(out.stderr).toBe(line);
  });

  it('warns about the days of the range that have no Bronze events', async () => {
    // Prepare
    const { ctx, out } = context(home);
    // Act
    const code = await main(['build', '--from', '2026-11-16', '--to', '2026-11-23', '--select', 'gold'], ctx);
    // Assess
    expect(code).toBe(0);
    expect(out.stderr).toContain(
      'lakeops build: warning: no Bronze events for 2026-11-16 … 2026-11-17, 2026-11-21 … 2026-11-23 (5 of 8 days): their Silver and Gold partitions are empty\n',
    );
  });

  it('does not warn when every day has Bronze events', async () => {
    // Prepare
    const { ctx, out } = context(home);
    // Act
    const code = await main(['build', '--from', '2026-11-19', '--to', '2026-11-20', '--select', 'gold'], ctx);
    // Assess
    expect(code).toBe(0);
    expect(out.stderr).not.toContain('warning');
  });

  it('says to seed first on an empty lake', async () => {
    // Prepare
    const empty = await mkdtemp(join(tmpdir(), 'lakeops-build-empty-'));
    const { ctx, out } = context(empty);
    // Act
    const code = await main(['build'], ctx);
    // Assess
    expect(code).toBe(1);
    expect(out.stderr).toBe('lakeops build: the lake has no Bronze events: run `lakeops seed` first\n');
    await rm(empty, { recursive: true, force: true });
  });
});
