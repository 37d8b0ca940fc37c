import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { listSchemas } from '@lakeops/contracts';
import { tables } from '@lakeops/lake';
import { repoRoot } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';
import { main } from '../src/main.ts';
import { captureContext } from './capture-context.ts';

describe('lakeops docs --check', () => {
  it('says what it checked, and changes nothing', async () => {
    // Prepare
    const { ctx, out } = captureContext({ cwd: repoRoot });
    // Act
    const code = await main(['docs', '--check'], ctx);
    // Assess
    expect(out.stderr).toBe('');
    expect(code).toBe(0);
    expect(out.stdout).toMatch(
      /^README\.md is up to date: checked the event catalogue in README\.md against functions\/routes\.ts \(\d+ event routes\) and packages\/contracts\/events\/ \(\d+ schemas\)\n$/,
    );
  });
});

describe('lakeops docs --site', () => {
  it('writes a page per table and per event schema, every link resolving on disk, nothing fetched', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'lakeops-site-'));
    const { ctx, out } = captureContext({ cwd: dir });
    try {
      // Act
      const code = await main(['docs', '--site', 'site'], ctx);
      // Assess
      expect(code).toBe(0);
      expect(out.stdout).toMatch(/^wrote \d+ pages to .+site \(\d+ tables of \d+ zones, \d+ event schemas\)/);
      const root = join(dir, 'site');
      const pages = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.html'));
      expect(pages).toEqual(
        expect.arrayContaining([
          'index.html',
          ...tables.map((t) => join('tables', `${t.zone}.${t.name}.html`)),
          ...listSchemas().map((s) => join('events', `${s.detailType}.v${s.version}.html`)),
        ]),
      );
      const broken: string[] = [];
      for (const file of pages) {
        const html = await readFile(join(root, file), 'utf8');
        expect(html, file).not.toMatch(/<script|src="https?:|href="https?:/);
        for (const [, href] of html.matchAll(/href="([^"#]+)"/g)) {
          const target = join(root, dirname(file), href as string);
          if (!(await stat(target).catch(() => undefined))) broken.push(`${file} → ${href}`);
        }
      }
      expect(broken).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('shows a table’s columns, sensitivity, partitioning, tests, lineage drawn both ways and the functions writing it', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'lakeops-site-'));
    const { ctx } = captureContext({ cwd: dir });
    try {
      // Act
      await main(['docs', '--site', dir], ctx);
      const gmv = await readFile(join(dir, 'tables/gold.kpi_gmv_daily.html'), 'utf8');
      const legs = await readFile(join(dir, 'tables/silver.fact_booking_legs.html'), 'utf8');
      // Assess
      expect(gmv).toContain('partitioned by <code>dt</code>');
      expect(gmv).toMatch(
        /<td><code>gmv<\/code><\/td><td>decimal\(12,2\)<\/td><td class="internal">internal<\/td>/,
      );
      expect(gmv).toContain('expect_column_values_to_not_be_null');
      expect(gmv).toMatch(
        /<svg[^>]*aria-label="lineage of gold\.kpi_gmv_daily">.*silver\.fact_booking_legs.*<\/svg>/s,
      );
      expect(gmv).toContain('<a href="../tables/silver.fact_booking_legs.html">silver.fact_booking_legs</a>');
      expect(gmv).toContain('<a href="../events/booking.leg.status_changed.v1.html">');
      expect(legs).toContain('<td class="confidential">confidential</td>');
      expect(legs).toContain('user columns (DSAR) <code>user_id</code>, <code>seller_id</code>');
      expect(legs).toContain('event:booking.leg.status_changed.v1/leg_id');
      for (const gold of ['kpi_acceptance_window_hist', 'kpi_seller_activation', 'user_daily_aggregates'])
        expect(legs).toContain(`<a href="../tables/gold.${gold}.html">gold.${gold}</a>`);
      // The functions of the route table that write an NRT view, on its page and on the index.
      const recon = await readFile(join(dir, 'tables/nrt.recon_gates.html'), 'utf8');
      const index = await readFile(join(dir, 'index.html'), 'utf8');
      expect(recon).toContain('<a href="../index.html#function-nrt-refresh">function:nrt-refresh</a>');
      expect(index).toMatch(
        /<tr id="function-nrt-refresh"><td><code>nrt-refresh<\/code><\/td><td>Refresh the NRT ops views[^<]*<\/td><td><a href="tables\/bronze\.cities_snapshot\.html">bronze\.cities_snapshot<\/a>, <a href="tables\/bronze\.events\.html">bronze\.events<\/a><\/td><td>(<a href="tables\/nrt\.[a-z_]+\.html">nrt\.[a-z_]+<\/a>(, )?){3}<\/td><\/tr>/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
