import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SqliteStateStore } from '@lakeops/adapters-local';
import { LakeopsError, qualifiedName, recordQualityRun, systemClock } from '@lakeops/core';
import {
  type Expectation,
  type ExpectationResult,
  expectationLabel,
  importGxSuite,
  lineageDataset,
  lineageRun,
  loadExpectationSuites,
  openLineageProducer,
  openLineageSpec,
  runExpectations,
  suiteFor,
  tables,
} from '@lakeops/lake';
import { CliUsageError, type Command } from '../command.ts';
import { asUsageError, openLocalLake, parseOptions } from '../lake.ts';
import { localConfig } from '../local-config.ts';
import { openLineageSinks } from '../openlineage-sinks.ts';
import { formatTable } from './query.ts';

const help = `Usage: lakeops check [--table <zone>.<table>] [--dt YYYY-MM-DD] [--json] [--import-gx suite.json]

Runs the data quality expectations on the local lake and prints one line per expectation.
A table's suite is its catalog checks (keys, not null, ranges, accepted values,
relationships) plus packages/lake/expectations/<zone>.<table>.json. Each check is SQL that
only computes metrics; the verdict (pass, fail) is decided by lakeops. Each table's run is
recorded (counts and failures, kept 30 days) in the state store, where the ops console reads it.

Options:
  --table <t>          only this table (default: every Silver, Silver private and Gold table)
  --dt <day>           judge only this dt partition (tables not partitioned by dt: whole table);
                       without it, whole tables
  --json               one JSON result per line (table, expectation, severity, dt, success,
                       observed, threshold, identity, reason)
  --import-gx <file>   run a Great Expectations suite (JSON) on --table instead of its own
                       suite; expectation types or arguments lakeops does not support are
                       named on stderr, and the exit status is then 1
  -h, --help           show this help

Exit status: 0 when no expectation of severity error failed (warnings do not count); 1 when
one did, or a GX suite held unsupported types; 2 on a usage mistake.

Examples:
  npx lakeops check --dt 2026-11-20
  npx lakeops check --table gold.kpi_gmv_daily --json
  npx lakeops check --table silver.fact_reviews --import-gx reviews.suite.json`;

export const checkCommand: Command = {
  name: 'check',
  summary: 'Run the data quality expectations (catalog checks + suites, or a GX suite)',
  help,
  async run(args, ctx) {
    const { values } = parseOptions(args, {
      table: { type: 'string' },
      dt: { type: 'string' },
      json: { type: 'boolean' },
      'import-gx': { type: 'string' },
    });
    if (values.dt !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.dt)) {
      throw new CliUsageError(`--dt must be YYYY-MM-DD, got '${values.dt}'`);
    }
    const built = tables.filter((t) => t.zone !== 'bronze');
    const selected =
      values.table === undefined ? built : built.filter((t) => qualifiedName(t) === values.table);
    if (!selected.length) {
      throw new CliUsageError(
        `unknown table '${values.table}' (a Silver, Silver private or Gold table as <zone>.<table>)`,
      );
    }
    let imported: Expectation[] | undefined;
    let unsupported: string[] = [];
    if (values['import-gx'] !== undefined) {
      if (values.table === undefined)
        throw new CliUsageError('--import-gx needs --table (a GX suite does not name its table)');
      const file = values['import-gx'];
      const text = await readFile(resolve(ctx.cwd, file), 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw new CliUsageError(`cannot read ${file}: ${error.code ?? error.message}`, {
          exitCode: 1,
          cause: error,
        });
      });
      try {
        ({ expectations: imported, unsupported } = importGxSuite(text));
      } catch (error) {
        throw new CliUsageError(`${file}: ${(error as Error).message}`, { exitCode: 1, cause: error });
      }
    }
    const lake = await openLocalLake(localConfig(ctx).home);
    // Each suite's run summary goes to the state store, where the ops console reads it.
    const state = new SqliteStateStore({ file: join(localConfig(ctx).home, 'state.sqlite') });
    const runId = `check-${randomBytes(4).toString('hex')}`;
    const results: ExpectationResult[] = [];
    try {
      const suites = imported ? new Map() : await loadExpectationSuites();
      const emit = openLineageSinks({
        home: localConfig(ctx).home,
        url: ctx.env.OPENLINEAGE_URL,
        signal: ctx.signal,
        warn: (line) => ctx.stderr.write(`lakeops check: warning: ${line}\n`),
      });
      for (const table of selected) {
        const suite = imported ?? suiteFor(table, suites);
        if (!suite.length) continue;
        // Each table's quality run is an OpenLineage run reading it; the COMPLETE event carries the
        // verdicts as the dataQualityAssertions input facet (failed expectations still COMPLETE).
        const dataset = lineageDataset('lakeops-local', table);
        const run = lineageRun(emit, {
          namespace: 'lakeops-local',
          job: `check.${qualifiedName(table)}`,
          inputs: [dataset],
          outputs: [],
        });
        await run.start();
        let verdicts: ExpectationResult[];
        const startedAt = systemClock.now();
        try {
          verdicts = await runExpectations({ engine: lake.engine }, table, suite, {
            ...(values.dt !== undefined ? { dt: values.dt } : {}),
            signal: ctx.signal,
          });
        } catch (error) {
          await run.fail(error);
          throw error;
        }
        results.push(...verdicts);
        await recordQualityRun(
          { state, clock: systemClock },
          {
            suite: imported ? `gx:${qualifiedName(table)}` : qualifiedName(table),
            runId,
            startedAt,
            dt: values.dt ?? null,
            results: verdicts,
          },
        );
        const columnOf = new Map(
          suite.map((e) => [expectationLabel(e), 'column' in e ? e.column : undefined]),
        );
        await run.complete([
          {
            ...dataset,
            inputFacets: {
              dataQualityAssertions: {
                _producer: openLineageProducer,
                _schemaURL: openLineageSpec.assertionsFacet,
                assertions: verdicts.map((r) => {
                  const column = columnOf.get(r.expectation);
                  return {
                    assertion: r.type,
                    success: r.success,
                    severity: r.severity,
                    name: r.expectation,
                    ...(column ? { column } : {}),
                  };
                }),
              },
            },
          },
        ]);
      }
    } catch (error) {
      if (error instanceof LakeopsError)
        throw new CliUsageError(error.message, { exitCode: 1, cause: error });
      throw asUsageError(error);
    } finally {
      state.close();
      await lake.close();
    }
    if (values.json) {
      for (const r of results) ctx.stdout.write(`${JSON.stringify(r)}\n`);
    } else {
      ctx.stdout.write(
        formatTable(
          results.map((r) => ({
            result: r.success ? 'pass' : r.severity === 'error' ? 'FAIL' : 'warn',
            table: r.table,
            expectation: r.expectation,
            observed: r.observed,
            threshold: r.threshold,
            reason: r.reason,
          })),
        ),
      );
    }
    for (const u of unsupported) ctx.stderr.write(`lakeops check: not run, unsupported: ${u}\n`);
    const errors = results.filter((r) => !r.success && r.severity === 'error').length;
    const warnings = results.filter((r) => !r.success && r.severity === 'warn').length;
    if (!values.json) {
      ctx.stdout.write(
        `${results.length} expectations${values.dt ? ` on dt ${values.dt}` : ''}: ${errors} failed, ${warnings} warnings\n`,
      );
    }
    return errors || unsupported.length ? 1 : 0;
  },
};
