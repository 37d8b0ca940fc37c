import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbQueryEngine, FileSaltSource, SqliteStateStore } from '@lakeops/adapters-local';
import { main } from '@lakeops/cli';
import { recordTombstone, systemClock } from '@lakeops/core';
import type { OpenLineageRunEvent } from '@lakeops/lake';
import { tables } from '@lakeops/lake';
import { scheduledEvent } from '@lakeops/local-cloud';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { localRuntime } from '../../../packages/cli/src/local-runtime.ts';
import { captureContext } from '../../../packages/cli/test/capture-context.ts';

// The OpenLineage run events of the NRT refresh (`lakeops nrt refresh`, and the nrt-refresh route
// as `lakeops start` runs it) and of the DSAR purge (`lakeops purge`), validated against lakeops'
// schema of its events (openlineage-run-event.schema.json beside this file) and received by a
// collector on 127.0.0.1 through OPENLINEAGE_URL.
const SCHEMA = 'https://lakeops.dev/test/openlineage-run-event.schema.json';

type Received = { path: string | undefined; event: OpenLineageRunEvent };

describe('OpenLineage run events of the NRT refresh and the DSAR purge', () => {
  let home: string;
  let server: Server;
  let url: string;
  const received: Received[] = [];
  let validEvent: (e: unknown) => boolean;
  let validFacets: (e: unknown) => boolean;
  const run = async (...args: string[]) => {
    const { ctx, out } = captureContext({ env: { LAKEOPS_HOME: home, OPENLINEAGE_URL: url }, cwd: home });
    const code = await main(args, ctx);
    return { code, ...out };
  };
  /** What the sinks wrote to LAKEOPS_HOME/lineage/, in order. */
  const written = async (): Promise<OpenLineageRunEvent[]> => {
    const files = (await readdir(join(home, 'lineage')).catch(() => [])).sort();
    const lines: OpenLineageRunEvent[] = [];
    for (const f of files) {
      const text = await readFile(join(home, 'lineage', f), 'utf8');
      lines.push(
        ...text
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l)),
      );
    }
    return lines;
  };
  const summary = (events: readonly OpenLineageRunEvent[]) =>
    events.map((e) => `${e.eventType} ${e.job.name} → ${e.outputs.map((d) => d.name).join(',') || '-'}`);

  beforeAll(async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema(
      JSON.parse(await readFile(new URL('./openlineage-run-event.schema.json', import.meta.url), 'utf8')),
    );
    validEvent = ajv.compile({ $ref: SCHEMA });
    validFacets = ajv.compile({ $ref: `${SCHEMA}#/$defs/DatasetFacets` });
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += String(chunk);
      });
      req.on('end', () => {
        received.push({ path: req.url, event: JSON.parse(body) });
        res.writeHead(201).end();
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    home = await mkdtemp(join(tmpdir(), 'lakeops-openlineage-jobs-'));
    // Today's hours for the NRT views; Silver and Gold built for the purge.
    const seeded = await run('seed', '--days', '2', '--users', '200', '--seed', '3');
    expect(seeded.code, seeded.stderr).toBe(0);
  }, 300_000);
  beforeEach(async () => {
    received.length = 0;
    await rm(join(home, 'lineage'), { recursive: true, force: true });
  });
  afterAll(async () => {
    server.close();
    await rm(home, { recursive: true, force: true });
  });

  const expectValid = (events: readonly OpenLineageRunEvent[]) => {
    expect(events.filter((e) => !validEvent(e))).toEqual([]);
    expect(events.flatMap((e) => [...e.inputs, ...e.outputs]).filter((d) => !validFacets(d.facets))).toEqual(
      [],
    );
  };

  it('lakeops nrt refresh: a run per view, START then COMPLETE with what it read and wrote, valid and POSTed', async () => {
    // Act
    const first = await run('nrt', 'refresh');
    const events = await written();
    // Assess
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).not.toMatch(/OpenLineage/);
    expect(summary(events)).toEqual([
      'START nrt-refresh.nrt.dispute_queue → nrt.dispute_queue',
      'START nrt-refresh.nrt.payout_backlog → nrt.payout_backlog',
      'START nrt-refresh.nrt.recon_gates → nrt.recon_gates',
      'COMPLETE nrt-refresh.nrt.dispute_queue → nrt.dispute_queue',
      'COMPLETE nrt-refresh.nrt.payout_backlog → nrt.payout_backlog',
      'COMPLETE nrt-refresh.nrt.recon_gates → nrt.recon_gates',
    ]);
    expectValid(events);
    expect(received.map((r) => r.path)).toEqual(events.map(() => '/api/v1/lineage'));
    expect(received.map((r) => r.event)).toEqual(events);
    // Worked by hand from models/nrt/recon_gates.sql: Bronze events and the cities export.
    const recon = events.filter((e) => e.job.name === 'nrt-refresh.nrt.recon_gates');
    expect(recon[0]?.run.runId).toBe(recon[1]?.run.runId);
    expect(recon[1]?.inputs.map((d) => `${d.namespace}/${d.name}`)).toEqual([
      'lakeops-local/bronze.cities_snapshot',
      'lakeops-local/bronze.events',
    ]);
    expect(recon[1]?.outputs[0]?.facets?.schema?.fields.map((f) => f.name)).toContain('hour');
  }, 120_000);

  it('a refresh with nothing new completes each run without claiming an output; --rebuild is the nrt-rebuild job', async () => {
    // Act
    const unchanged = await run('nrt', 'refresh', '--view', 'recon_gates');
    const unchangedEvents = await written();
    await rm(join(home, 'lineage'), { recursive: true, force: true });
    const rebuilt = await run('nrt', 'refresh', '--view', 'recon_gates', '--rebuild');
    const rebuiltEvents = await written();
    // Assess
    expect(unchanged.stdout).toMatch(/nrt\.recon_gates: nothing new/);
    expect(summary(unchangedEvents)).toEqual([
      'START nrt-refresh.nrt.recon_gates → nrt.recon_gates',
      'COMPLETE nrt-refresh.nrt.recon_gates → -',
    ]);
    expect(rebuilt.code).toBe(0);
    expect(summary(rebuiltEvents)).toEqual([
      'START nrt-rebuild.nrt.recon_gates → nrt.recon_gates',
      'COMPLETE nrt-rebuild.nrt.recon_gates → nrt.recon_gates',
    ]);
    expectValid([...unchangedEvents, ...rebuiltEvents]);
  }, 120_000);

  it('the nrt-refresh route under lakeops start: the same runs, through the local runtime', async () => {
    // Prepare
    const runtime = await localRuntime(
      { home, port: 0, region: 'us-east-1' },
      { OPENLINEAGE_URL: url },
      () => {},
    );
    try {
      // Act
      await runtime.invoke('nrt-refresh', scheduledEvent('nrt-refresh', new Date()));
      const events = await written();
      // Assess: the views are current (the CLI refreshed them), so nothing is claimed as written.
      expect(summary(events)).toEqual([
        'START nrt-refresh.nrt.dispute_queue → nrt.dispute_queue',
        'START nrt-refresh.nrt.payout_backlog → nrt.payout_backlog',
        'START nrt-refresh.nrt.recon_gates → nrt.recon_gates',
        'COMPLETE nrt-refresh.nrt.dispute_queue → -',
        'COMPLETE nrt-refresh.nrt.payout_backlog → -',
        'COMPLETE nrt-refresh.nrt.recon_gates → -',
      ]);
      expectValid(events);
      expect(received.map((r) => r.event)).toEqual(events);
    } finally {
      runtime.deps.state.close();
      await runtime.deps.engine.close();
    }
  }, 120_000);

  it('lakeops purge: a run per table with user columns; rewritten tables are outputs; --dry-run emits nothing', async () => {
    // Prepare: two users of silver.fact_search_impressions, queued as dsar-intake queues them.
    const engine = await DuckDbQueryEngine.open({ root: join(home, 'lake'), tables, threads: 1 });
    const users = (
      await engine.query(
        'SELECT DISTINCT user_id AS id FROM silver.fact_search_impressions ORDER BY id LIMIT 2',
      )
    ).map((r) => String(r.id));
    await engine.close();
    expect(users).toHaveLength(2);
    const state = new SqliteStateStore({ file: join(home, 'state.sqlite') });
    const salt = new FileSaltSource({ file: join(home, 'secrets', 'dsar-salt') });
    for (const [i, userId] of users.entries()) {
      await recordTombstone(
        { state, salt, clock: systemClock },
        {
          id: `e-${i}`,
          detail: {
            v: 1,
            user_id: userId,
            request_id: `r-${i}`,
            requested_at: '2026-11-30T08:00:00Z',
            reason: 'admin',
          },
        },
      );
    }
    state.close();
    // Act
    const dry = await run('purge', '--dry-run');
    const dryEvents = await written();
    const purged = await run('purge');
    const events = await written();
    // Assess
    expect(dry.code, dry.stderr).toBe(0);
    expect(dryEvents).toEqual([]);
    expect(purged.code, purged.stderr).toBe(0);
    const userTables = tables
      .filter((t) => t.userColumns.length > 0 && t.format === 'parquet')
      .map((t) => `dsar-purge.${t.zone}.${t.name}`)
      .sort();
    const starts = events.filter((e) => e.eventType === 'START');
    const completes = events.filter((e) => e.eventType === 'COMPLETE');
    expect(starts.map((e) => e.job.name).sort()).toEqual(userTables);
    expect(completes.map((e) => e.job.name).sort()).toEqual(userTables);
    expect(events.indexOf(completes[0] as OpenLineageRunEvent)).toBe(starts.length);
    // The tables the purge report says it rewrote are exactly the outputs claimed.
    const rewritten = [...purged.stdout.matchAll(/^ {2}(\S+): removed [1-9]\d* rows/gm)]
      .map((m) => m[1])
      .sort();
    expect(rewritten).toContain('silver.fact_search_impressions');
    expect(completes.flatMap((e) => e.outputs.map((d) => d.name)).sort()).toEqual(rewritten);
    const impressions = completes.find((e) => e.job.name === 'dsar-purge.silver.fact_search_impressions');
    expect(impressions?.inputs.map((d) => d.name)).toEqual(['silver.fact_search_impressions']);
    expectValid(events);
    expect(received.map((r) => r.event)).toEqual(events);
    // No user id leaves in a lineage event.
    for (const u of users) expect(JSON.stringify(events)).not.toContain(u);
  }, 180_000);
});
