import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filesUnder } from '@lakeops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/main.ts';
import { captureContext } from './capture-context.ts';

const context = (home: string) => captureContext({ env: { LAKEOPS_HOME: home }, cwd: home });

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
      /^built 52 models \(all days 2026-11-18 … 2026-11-20\) in [\d.]+ s\ndata tests passed\n$/,
    );
  });

  it('writes OpenLineage events to LAKEOPS_HOME/lineage and POSTs them to OPENLINEAGE_URL', async () => {
    // Prepare: a collector on 127.0.0.1 that records what it is sent.
    const received: {
      path: string | undefined;
      type: string | undefined;
      body: { eventType: string; job: { name: string } };
    }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += String(chunk);
      });
      req.on('end', () => {
        received.push({ path: req.url, type: req.headers['content-type'], body: JSON.parse(body) });
        res.writeHead(201).end();
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { ctx, out } = captureContext({ env: { LAKEOPS_HOME: home, OPENLINEAGE_URL: url }, cwd: home });
    await rm(join(home, 'lineage'), { recursive: true, force: true });
    try {
      // Act
      const code = await main(['build', '--select', 'silver.fact_reviews,gold.kpi_gmv_daily'], ctx);
      // Assess
      expect(code).toBe(0);
      expect(out.stderr).not.toMatch(/OpenLineage/);
      expect(received.map((r) => `${r.path} ${r.type} ${r.body.eventType} ${r.body.job.name}`)).toEqual([
        '/api/v1/lineage application/json START build.silver.fact_reviews',
        '/api/v1/lineage application/json COMPLETE build.silver.fact_reviews',
        '/api/v1/lineage application/json START build.gold.kpi_gmv_daily',
        '/api/v1/lineage application/json COMPLETE build.gold.kpi_gmv_daily',
      ]);
      const [file, ...others] = await readdir(join(home, 'lineage'));
      expect(others).toEqual([]);
      const lines = (await readFile(join(home, 'lineage', file as string), 'utf8')).trim().split('\n');
      expect(lines.map((l) => JSON.parse(l))).toEqual(received.map((r) => r.body));
    } finally {
      server.close();
    }
  });

  it('warns, and still builds, when the OpenLineage collector is down', async () => {
    // Prepare: a port nothing listens on.
    const server = createServer();
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const port = (server.address() as AddressInfo).port;
    await new Promise((ok) => server.close(ok));
    const { ctx, out } = captureContext({
      env: { LAKEOPS_HOME: home, OPENLINEAGE_URL: `http://127.0.0.1:${port}` },
      cwd: home,
    });
    // Act
    const code = await main(['build', '--select', 'gold.kpi_gmv_daily'], ctx);
    // Assess
    expect(code).toBe(0);
    expect(out.stderr).toMatch(
      /warning: OpenLineage collector unreachable \(.+\) for START build\.gold\.kpi_gmv_daily/,
    );
  });

  it('rebuilds one day of Gold incrementally', async () => {
    // Prepare
    const { ctx, out } = context(home);
    // Act
    const code = await main(['build', '--from', '2026-11-20', '--to', '2026-11-20', '--select', 'gold'], ctx);
    // Assess
    expect(code).toBe(0);
    expect(out.stdout).toMatch(/^built 24 models \(dt 2026-11-20 … 2026-11-20\)/);
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
        // The Gold models that read the corrupt table (others would be rebuilt before it fails).
        [
          'build',
          '--from',
          '2026-11-19',
          '--to',
          '2026-11-19',
          '--select',
          'gold.kpi_conversion_funnel,gold.user_daily_aggregates',
        ],
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
