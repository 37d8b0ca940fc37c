import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { DuckDbQueryEngine, FsObjectStore } from '@lakeops/adapters-local';
import { main } from '@lakeops/cli';
import { buildLake, type OpenLineageRunEvent, seedBronze, tables } from '@lakeops/lake';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureContext } from '../../../packages/cli/test/capture-context.ts';

// The OpenLineage events of one build, validated against lakeops' own schema of the events it
// emits (openlineage-run-event.schema.json beside this file, written from the OpenLineage object
// model: RunEvent 2-0-2 and the schema, errorMessage and dataQualityAssertions facets).
const SCHEMA = 'https://lakeops.dev/test/openlineage-run-event.schema.json';
const readJson = async (file: string) =>
  JSON.parse(await readFile(new URL(file, import.meta.url), 'utf8')) as object;

describe('OpenLineage run events of lakeops build', () => {
  let home: string;
  let root: string;
  let engine: DuckDbQueryEngine;
  const events: OpenLineageRunEvent[] = [];
  let validateEvent: (e: unknown) => boolean;
  let validateFacets: (e: unknown) => boolean;
  let validateError: (e: unknown) => boolean;
  beforeAll(async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema(await readJson('./openlineage-run-event.schema.json'));
    validateEvent = ajv.compile({ $ref: SCHEMA });
    validateFacets = ajv.compile({ $ref: `${SCHEMA}#/$defs/DatasetFacets` });
    validateError = ajv.compile({ $ref: `${SCHEMA}#/$defs/ErrorMessageRunFacet` });
    home = await mkdtemp(join(tmpdir(), 'lakeops-openlineage-'));
    root = join(home, 'lake');
    await seedBronze(
      { store: new FsObjectStore({ root }) },
      { days: 2, users: 200, seed: 3, end: new Date('2026-11-20T23:59:59.999Z') },
    );
    engine = await DuckDbQueryEngine.open({ root, tables, threads: 1 });
    await buildLake({ engine }, { lineage: { namespace: 'lakeops-test', emit: (e) => void events.push(e) } });
  }, 120_000);
  afterAll(async () => {
    await engine.close();
    await rm(home, { recursive: true, force: true });
  });

  it('validates every event against the OpenLineage spec, and every dataset schema facet', () => {
    // Act
    const invalid = events.filter((e) => !validateEvent(e));
    const badFacets = events
      .flatMap((e) => [...e.inputs, ...e.outputs])
      .filter((d) => !validateFacets(d.facets));
    // Assess
    expect(events.length).toBeGreaterThan(90);
    expect(invalid).toEqual([]);
    expect(badFacets).toEqual([]);
  });

  it('lakeops build with OPENLINEAGE_URL: a collector on 127.0.0.1 receives every event, each valid', async () => {
    // Prepare
    const received: { path: string | undefined; event: unknown }[] = [];
    const server = createServer((req, res) => {
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
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { ctx, out } = captureContext({ env: { LAKEOPS_HOME: home, OPENLINEAGE_URL: url }, cwd: home });
    try {
      // Act
      const code = await main(['build'], ctx);
      // Assess
      expect(code, out.stderr).toBe(0);
      expect(out.stderr).not.toMatch(/OpenLineage/);
      const models = Number(/^built (\d+) models/.exec(out.stdout)?.[1]);
      expect(received).toHaveLength(2 * models);
      expect(received.filter((r) => r.path !== '/api/v1/lineage')).toEqual([]);
      expect(received.map((r) => r.event).filter((e) => !validateEvent(e))).toEqual([]);
    } finally {
      server.close();
    }
  }, 120_000);

  it('the validator refuses an event the spec does not allow', () => {
    // Prepare
    const event = events[0] as OpenLineageRunEvent;
    // Act + Assess
    expect(validateEvent({ ...event, eventType: 'DONE' })).toBe(false);
    expect(validateEvent({ ...event, eventTime: 'yesterday' })).toBe(false);
    expect(validateEvent({ ...event, run: { runId: 'not-a-uuid' } })).toBe(false);
    expect(
      validateFacets({ schema: { _producer: 'x y', _schemaURL: 'u', fields: [{ type: 'VARCHAR' }] } }),
    ).toBe(false);
  });

  it('is one START and one COMPLETE per model, with its inputs, output and columns', () => {
    // Prepare
    const gmv = events.filter((e) => e.job.name === 'build.gold.kpi_gmv_daily');
    // Assess
    expect(gmv.map((e) => e.eventType)).toEqual(['START', 'COMPLETE']);
    expect(gmv[0]?.run.runId).toBe(gmv[1]?.run.runId);
    expect(gmv[1]?.inputs.map((d) => `${d.namespace}/${d.name}`)).toEqual([
      'lakeops-test/silver.fact_booking_legs',
    ]);
    expect(gmv[1]?.outputs.map((d) => d.name)).toEqual(['gold.kpi_gmv_daily']);
    expect(gmv[1]?.outputs[0]?.facets?.schema?.fields.map((f) => f.name)).toEqual([
      'city_id',
      'gmv',
      'confirmed_legs',
      'bookings',
      'currency',
      'dt',
    ]);
    const starts = events.filter((e) => e.eventType === 'START').length;
    expect(events.filter((e) => e.eventType === 'COMPLETE').length).toBe(starts);
  });

  it('ends a run with FAIL and the error message when a model fails', async () => {
    // Prepare
    const corrupt = join(root, 'silver/fact_booking_legs/dt=2026-11-20/data_0.parquet');
    const good = await readFile(corrupt);
    await writeFile(corrupt, 'PAR1 not parquet');
    const failed: OpenLineageRunEvent[] = [];
    try {
      // Act
      await expect(
        buildLake(
          { engine },
          {
            select: ['gold.kpi_gmv_daily'],
            lineage: { namespace: 'lakeops-test', emit: (e) => void failed.push(e) },
          },
        ),
      ).rejects.toMatchObject({ code: 'ModelBuildFailed' });
    } finally {
      await writeFile(corrupt, good);
    }
    // Assess
    expect(failed.map((e) => e.eventType)).toEqual(['START', 'FAIL']);
    expect(validateEvent(failed[1])).toBe(true);
    expect(validateError(failed[1]?.run.facets?.errorMessage)).toBe(true);
    expect(failed[1]?.run.facets?.errorMessage?.message).toMatch(/^model gold\.kpi_gmv_daily failed: /);
  });
});

describe('OpenLineage run events of lakeops check', () => {
  it("records each table's quality run as START/COMPLETE with its assertions, valid against the spec", async () => {
    // Prepare
    const ajv = new Ajv2020({ strict: false });
    addFormats.default(ajv);
    ajv.addSchema(await readJson('./openlineage-run-event.schema.json'));
    const validEvent = ajv.compile({ $ref: SCHEMA });
    const validAssertions = ajv.compile({ $ref: `${SCHEMA}#/$defs/DataQualityAssertionsDatasetFacet` });
    const home = await mkdtemp(join(tmpdir(), 'lakeops-openlineage-check-'));
    const out = { stdout: '', stderr: '' };
    const sink = (key: 'stdout' | 'stderr') =>
      new Writable({
        write(chunk, _enc, done) {
          out[key] += String(chunk);
          done();
        },
      });
    const ctx = {
      stdout: sink('stdout'),
      stderr: sink('stderr'),
      env: { LAKEOPS_HOME: home },
      cwd: home,
      signal: new AbortController().signal,
    };
    try {
      expect(await main(['seed', '--days', '2', '--users', '200', '--end', '2026-11-20'], ctx)).toBe(0);
      await writeFile(
        join(home, 'failing.json'),
        JSON.stringify({
          expectations: [
            { type: 'expect_column_values_to_be_in_set', column: 'method', value_set: ['card'] },
          ],
        }),
      );
      await rm(join(home, 'lineage'), { recursive: true, force: true });
      // Act
      await main(['check', '--table', 'silver.fact_payments', '--import-gx', 'failing.json', '--json'], ctx);
      const [file] = await readdir(join(home, 'lineage'));
      const events = (await readFile(join(home, 'lineage', file as string), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      // Assess
      expect(events.map((e) => `${e.eventType} ${e.job.name}`)).toEqual([
        'START check.silver.fact_payments',
        'COMPLETE check.silver.fact_payments',
      ]);
      expect(events.filter((e) => !validEvent(e))).toEqual([]);
      const facet = events[1].inputs[0].inputFacets.dataQualityAssertions;
      expect(validAssertions(facet)).toBe(true);
      expect(facet.assertions).toEqual([
        expect.objectContaining({
          assertion: 'expect_column_values_to_be_in_set',
          success: false,
          column: 'method',
        }),
      ]);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  }, 120_000);
});
