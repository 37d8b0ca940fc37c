import { listSchemas } from '@lakeops/contracts';
import { routes } from '@lakeops/functions/routes';
import {
  lineageDot,
  lineageGraph,
  lineageMermaid,
  lineageProblems,
  loadExpectationSuites,
  loadModels,
  renderModel,
  renderNrtModel,
  routeFunctions,
  subGraph,
  tables,
  tablesReadBy,
  userTables,
  walkLineage,
} from '@lakeops/lake';
import nodeSqlParser from 'node-sql-parser';
import { beforeAll, describe, expect, it } from 'vitest';

type Inputs = Parameters<typeof lineageGraph>[0];

describe('lineage', () => {
  let inputs: Inputs;
  let graph: ReturnType<typeof lineageGraph>;
  beforeAll(async () => {
    inputs = {
      tables,
      models: await loadModels(),
      schemas: listSchemas(),
      suites: [...(await loadExpectationSuites()).keys()],
    };
    graph = lineageGraph(inputs);
  });
  const ids = (steps: readonly { id: string; depth: number }[]) => steps.map((s) => `${s.depth} ${s.id}`);

  it('gold.kpi_gmv_daily upstream: the Silver table, the event and Bronze it comes from (worked by hand)', () => {
    // Act
    const steps = walkLineage(graph, 'gold.kpi_gmv_daily', 'upstream');
    // Assess
    expect(ids(steps)).toEqual([
      '1 silver.fact_booking_legs',
      '2 bronze.events',
      '2 event:booking.leg.status_changed.v1',
      '3 source:events',
    ]);
  });

  it('silver.fact_booking_legs downstream: every Gold table and quality suite built on it (worked by hand)', () => {
    // Act
    const steps = walkLineage(graph, 'silver.fact_booking_legs', 'downstream');
    // Assess: no NRT view is built on it (the NRT views read Bronze, so they never wait for Silver);
    // the experiment analysis reads the per-user aggregates and writes gold.exp_results.
    expect(ids(steps)).toEqual([
      '1 gold.kpi_acceptance_window_hist',
      '1 gold.kpi_cancellations',
      '1 gold.kpi_conversion_funnel',
      '1 gold.kpi_gmv_daily',
      '1 gold.kpi_refunds',
      '1 gold.kpi_seller_activation',
      '1 gold.kpi_take_rate',
      '1 gold.user_daily_aggregates',
      '2 function:exp-analyze',
      '2 suite:gold.kpi_gmv_daily',
      '3 gold.exp_results',
    ]);
  });

  it('gold.kpi_studio_verification_rate upstream, to depth 2, with its column edges (worked by hand)', () => {
    // Act
    const steps = walkLineage(graph, 'gold.kpi_studio_verification_rate', 'upstream', 2);
    const sub = subGraph(graph, 'gold.kpi_studio_verification_rate', steps);
    // Assess
    expect(ids(steps)).toEqual([
      '1 silver.dim_studio',
      '1 silver.fact_docs',
      '2 bronze.events',
      '2 event:doc.status_changed.v1',
      '2 event:studio.updated.v1',
    ]);
    expect(sub.columns).toContainEqual({
      from: 'silver.dim_studio/city_id',
      to: 'gold.kpi_studio_verification_rate/city_id',
    });
    expect(sub.columns).toContainEqual({
      from: 'event:doc.status_changed.v1/studio_id',
      to: 'silver.fact_docs/studio_id',
    });
    expect(sub.columns).toContainEqual({
      from: 'event:studio.updated.v1/capacity',
      to: 'silver.dim_studio/capacity',
    });
    expect(sub.columns.filter((c) => c.to.startsWith('gold.'))).toEqual([
      { from: 'silver.dim_studio/city_id', to: 'gold.kpi_studio_verification_rate/city_id' },
    ]);
  });

  it('has no problem in the real catalog, and names a model reading an unknown table or a table with no producer', () => {
    // Prepare
    // A Gold table no model builds (NRT views, last in the list, are refreshed, not built).
    const orphan = {
      ...tables.filter((t) => t.zone === 'gold').at(-1),
      name: 'kpi_orphan',
    } as (typeof tables)[number];
    const reader = {
      name: 'gold.kpi_orphan',
      sql: 'SELECT 1 FROM silver.fact_nope',
      dependsOn: ['silver.fact_nope'],
    };
    // Act
    const real = lineageProblems(inputs);
    const broken = lineageProblems({ ...inputs, tables: [...tables, orphan] });
    const unknown = lineageProblems({ ...inputs, models: [...inputs.models, reader] });
    // Assess
    expect(real).toEqual([]);
    expect(broken).toEqual(['gold.kpi_orphan has no producer']);
    expect(unknown).toEqual(['gold.kpi_orphan reads unknown table silver.fact_nope']);
    expect(() => lineageGraph({ ...inputs, tables: [...tables, orphan] })).toThrow(
      expect.objectContaining({ code: 'LineageInvalid' }),
    );
  });

  it('reads the same tables from each model as a SQL parser does', () => {
    // Prepare
    const parser = new nodeSqlParser.Parser();
    for (const model of inputs.models) {
      // Act
      const parsed = parser
        .tableList(
          model.name.startsWith('nrt.')
            ? renderNrtModel(model.sql, '2026-11-20', {
                hours: ['10'],
                carry: { dt: '2026-11-20', hour: '09' },
              })
            : renderModel(model.sql, { from: '2026-11-18', to: '2026-11-20' }),
          { database: 'trino' },
        )
        .map((entry) => entry.split('::').slice(1).join('.'))
        .filter((name) => name.includes('.') && !name.startsWith('null.'));
      // Assess
      expect(tablesReadBy(model.sql), model.name).toEqual([...new Set(parsed)].sort());
    }
  });

  it('draws a sub-graph as Mermaid and DOT, and refuses an unknown start', () => {
    // Prepare
    const steps = walkLineage(graph, 'gold.kpi_gmv_daily', 'upstream', 1);
    const sub = subGraph(graph, 'gold.kpi_gmv_daily', steps);
    // Act
    const mermaid = lineageMermaid(sub);
    const dot = lineageDot(sub);
    // Assess
    expect(mermaid).toBe(
      'flowchart LR\n  gold_kpi_gmv_daily["gold.kpi_gmv_daily"]\n  silver_fact_booking_legs["silver.fact_booking_legs"]\n  silver_fact_booking_legs --> gold_kpi_gmv_daily\n',
    );
    expect(dot).toContain('"silver.fact_booking_legs" -> "gold.kpi_gmv_daily";');
    expect(() => walkLineage(graph, 'gold.nope', 'upstream')).toThrow(
      /no table, event, suite or function named 'gold.nope'/,
    );
  });

  it('adds the functions of the route table: what nrt-refresh reads and writes (worked by hand), user-tables from userColumns', () => {
    // Prepare: a purge route as the DSAR purge would declare it.
    const purge = {
      id: 'dsar-purge',
      tables: { reads: [{ set: 'user-tables' as const }], writes: [{ set: 'user-tables' as const }] },
    };
    // Act
    const functions = routeFunctions([...routes, purge], inputs.tables, inputs.models);
    const withFunctions = lineageGraph({ ...inputs, functions });
    // Assess
    expect(functions.find((f) => f.id === 'nrt-refresh')).toMatchObject({
      // The views read Bronze and the carry-over state of open items, which the refresh writes too.
      reads: ['bronze.cities_snapshot', 'bronze.events', 'nrt.dispute_queue_open', 'nrt.payout_backlog_open'],
      writes: [
        'nrt.dispute_queue',
        'nrt.dispute_queue_open',
        'nrt.payout_backlog',
        'nrt.payout_backlog_open',
        'nrt.recon_gates',
      ],
    });
    expect(functions.map((f) => f.id)).toEqual(['nrt-refresh', 'nrt-rebuild', 'nrt-complete', 'dsar-purge']);
    const purged = functions.find((f) => f.id === 'dsar-purge')?.writes ?? [];
    expect(purged).toHaveLength(24);
    expect(purged).toEqual(
      expect.arrayContaining(['gold.user_daily_aggregates', 'silver_private.users_private']),
    );
    expect(purged).not.toContain('bronze.accounts_snapshot'); // raw Bronze expires by retention
    expect(purged).not.toContain('gold.kpi_gmv_daily'); // no user column
    expect(
      userTables(tables)
        .map((t) => `${t.zone}.${t.name}`)
        .sort(),
    ).toEqual(purged);
    expect(ids(walkLineage(withFunctions, 'silver.fact_booking_legs', 'downstream', 1))).toContain(
      '1 function:dsar-purge',
    );
    // The backlog reads the cities and the carry-over state of open payouts (which reads the events).
    expect(ids(walkLineage(withFunctions, 'nrt.payout_backlog', 'upstream', 1))).toEqual([
      '1 bronze.cities_snapshot',
      '1 function:nrt-complete',
      '1 function:nrt-rebuild',
      '1 function:nrt-refresh',
      '1 nrt.payout_backlog_open',
    ]);
  });

  it('names a route that declares a table the catalog does not know', () => {
    // Prepare
    const bad = [{ id: 'nrt-refresh', tables: { reads: ['silver.fact_nope'], writes: ['nrt.recon_gate'] } }];
    // Act
    const problems = lineageProblems({
      ...inputs,
      functions: routeFunctions(bad, inputs.tables, inputs.models),
    });
    const real = lineageProblems({
      ...inputs,
      functions: routeFunctions(routes, inputs.tables, inputs.models),
    });
    // Assess
    expect(real).toEqual([]);
    expect(problems).toEqual([
      'function:nrt-refresh reads unknown table silver.fact_nope',
      'function:nrt-refresh writes unknown table nrt.recon_gate',
    ]);
  });
});
