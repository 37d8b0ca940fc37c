import { listSchemas } from '@lakeops/contracts';
import {
  lineageDot,
  lineageGraph,
  lineageMermaid,
  loadExpectationSuites,
  loadModels,
  routeFunctions,
  subGraph,
  tables,
  walkLineage,
} from '@lakeops/lake';
import { CliUsageError, type Command } from '../command.ts';
import { parseOptions } from '../lake.ts';

const help = `Usage: lakeops lineage <node> [--upstream|--downstream] [--depth n] [--json|--mermaid|--dot]

Shows where a table comes from and what is built on it, derived (never hand-written) from the
event schemas (packages/contracts/events/), the SQL models (packages/lake/models/, the tables
each reads and the event detail-type and version v it filters on), the expectation suites
(packages/lake/expectations/), the Bronze sources and the functions of functions/routes.ts that
declare the tables they read and write. <node> is a table (<zone>.<table>), an event
(event:<detail-type>.v<N>), a suite (suite:<zone>.<table>) or a function (function:<route id>).

Options:
  --upstream     what it is built from (the default)
  --downstream   what is built on it: Silver, Gold, NRT views, quality suites, functions
  --depth <n>    stop n edges away (default: all the way)
  --json         {start, direction, nodes: [{id, kind, depth}], edges, columns} with the column
                 edges (an event field or upstream column a model selects by name)
  --mermaid      a Mermaid flowchart of the sub-graph
  --dot          Graphviz DOT of the sub-graph
  -h, --help     show this help

Examples:
  npx lakeops lineage gold.kpi_gmv_daily --upstream
  npx lakeops lineage silver.fact_booking_legs --downstream --mermaid
  npx lakeops lineage event:review.submitted.v1 --downstream --depth 1
  npx lakeops lineage function:nrt-refresh --downstream`;

export const lineageCommand: Command = {
  name: 'lineage',
  summary:
    'Upstream/downstream of a table, event, suite or function, derived from the schemas, models, suites and routes',
  help,
  async run(args, ctx) {
    const { values, positionals } = parseOptions(
      args,
      {
        upstream: { type: 'boolean' },
        downstream: { type: 'boolean' },
        depth: { type: 'string' },
        json: { type: 'boolean' },
        mermaid: { type: 'boolean' },
        dot: { type: 'boolean' },
      },
      true,
    );
    const start = positionals[0];
    if (!start || positionals.length > 1)
      throw new CliUsageError('give one table, e.g. lakeops lineage gold.kpi_gmv_daily --upstream');
    if (values.upstream && values.downstream) throw new CliUsageError('--upstream or --downstream, not both');
    if ([values.json, values.mermaid, values.dot].filter(Boolean).length > 1)
      throw new CliUsageError('one of --json, --mermaid, --dot');
    const depth = values.depth === undefined ? Number.POSITIVE_INFINITY : Number(values.depth);
    if (!Number.isInteger(depth) && depth !== Number.POSITIVE_INFINITY)
      throw new CliUsageError(`--depth must be a whole number, got '${values.depth}'`);
    if (depth < 1) throw new CliUsageError(`--depth must be 1 or more, got '${values.depth}'`);
    const direction = values.downstream ? 'downstream' : 'upstream';
    const models = await loadModels();
    const graph = lineageGraph({
      tables,
      models,
      schemas: listSchemas(),
      suites: [...(await loadExpectationSuites()).keys()],
      functions: routeFunctions((await import('@lakeops/functions/routes')).routes, tables, models),
    });
    if (!graph.nodes.has(start)) {
      throw new CliUsageError(
        `no table, event, suite or function named '${start}' (tables are <zone>.<table>; run 'lakeops query --help' for the list)`,
        { exitCode: 1 },
      );
    }
    const steps = walkLineage(graph, start, direction, depth);
    const sub = subGraph(graph, start, steps);
    if (values.mermaid) ctx.stdout.write(lineageMermaid(sub));
    else if (values.dot) ctx.stdout.write(lineageDot(sub));
    else if (values.json) {
      ctx.stdout.write(
        `${JSON.stringify({ start, direction, nodes: steps, edges: sub.edges, columns: sub.columns }, null, 2)}\n`,
      );
    } else {
      ctx.stdout.write(`${start} (${direction}${Number.isFinite(depth) ? `, depth ${depth}` : ''})\n`);
      if (!steps.length) ctx.stdout.write('  (nothing)\n');
      for (const kind of ['table', 'event', 'source', 'suite', 'function'] as const) {
        const ofKind = steps.filter((s) => s.kind === kind);
        if (!ofKind.length) continue;
        ctx.stdout.write(`${kind}s:\n`);
        for (const s of ofKind) ctx.stdout.write(`  ${s.id}  (${s.depth} away)\n`);
      }
    }
    return 0;
  },
};
