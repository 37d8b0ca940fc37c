import type { Row } from '@lakeops/core';
import { tables, tablesReadBy } from '@lakeops/lake';
import { CliUsageError, type Command } from '../command.ts';
import { asUsageError, lakeIsEmpty, openLocalLake, parseOptions } from '../lake.ts';
import { localConfig } from '../local-config.ts';

const help = `Usage: lakeops query "<sql>" [--json] [--as <principal>]

Runs SQL on the local lake (DuckDB over the Parquet files) and prints a table. Address tables as
<zone>.<table>: bronze.events, silver.fact_booking_legs, silver_private.users_private,
gold.kpi_gmv_daily, nrt.<view>. Trino function names used by the models work here too
(json_extract_scalar, from_iso8601_timestamp, approx_percentile).

Read-only: one statement, and only SELECT, WITH, DESCRIBE, SHOW, EXPLAIN or SUMMARIZE; anything
else (COPY, ATTACH, INSTALL, CREATE, SET, …) is refused. Files outside the lake cannot be read.

Options:
  --json             one JSON object per row (JSON lines) instead of a table; decimals are
                     strings with their scale ("12.50"), exact
  --as <principal>   run as a principal of permissions/policy.ts (its short name or IAM role
                     ARN): only the tables and columns the local Lake Formation state grants it,
                     only the rows its data cells filters pass; anything else is denied with
                     the table or column named. Apply the policy first (lakeops perms apply).

Tables:
${tables.map((t) => `  ${t.zone}.${t.name}`).join('\n')}`;

export const queryCommand: Command = {
  name: 'query',
  summary: 'Run SQL on the local lake (tables as <zone>.<table>)',
  help,
  async run(args, ctx) {
    const parsed = parseOptions(args, { json: { type: 'boolean' }, as: { type: 'string' } }, true);
    const sql = parsed.positionals.join(' ').trim();
    if (!sql)
      throw new CliUsageError('give the SQL to run, e.g. lakeops query "SELECT * FROM gold.kpi_gmv_daily"');
    const known = new Set(tables.map((t) => `${t.zone}.${t.name}`));
    const unknown = tablesReadBy(sql).filter((name) => !known.has(name));
    if (unknown.length) {
      throw new CliUsageError(
        `unknown table ${unknown.join(', ')} (run 'lakeops query --help' for the list)`,
        { exitCode: 1 },
      );
    }
    if (parsed.values.as !== undefined) {
      const { queryAs } = await import('../query-as.ts');
      try {
        const rows = await queryAs({
          home: localConfig(ctx).home,
          cwd: ctx.cwd,
          env: ctx.env,
          principal: parsed.values.as,
          sql,
        });
        if (parsed.values.json) for (const row of rows) ctx.stdout.write(`${JSON.stringify(row)}\n`);
        else ctx.stdout.write(formatTable(rows));
        return 0;
      } catch (error) {
        throw asUsageError(error);
      }
    }
    const lake = await openLocalLake(localConfig(ctx).home, 'read-only');
    try {
      const { rows, columns } = await lake.engine.queryTable(sql, { signal: ctx.signal });
      if (parsed.values.json) {
        for (const row of rows) {
          if (ctx.signal.aborted) break;
          ctx.stdout.write(`${JSON.stringify(row)}\n`);
        }
      } else {
        ctx.stdout.write(formatTable(rows, columns));
      }
      if (tablesReadBy(sql).length > 0 && (await lakeIsEmpty(lake.root))) {
        ctx.stderr.write(
          `lakeops query: the lake in ${localConfig(ctx).home} is empty: run \`lakeops seed\` (or \`npm start\`, which seeds it) first\n`,
        );
      }
      return 0;
    } catch (error) {
      throw asUsageError(error);
    } finally {
      await lake.close();
    }
  },
};

/** DuckDB types shown right-aligned. */
const NUMERIC =
  /^(?:TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)/;

/**
 * A plain text table: numbers right-aligned (by column type when given, else by value), decimals
 * as given (with their scale), NULL shown as such.
 */
export function formatTable(
  rows: readonly Row[],
  columns?: readonly { readonly name: string; readonly type: string }[],
): string {
  const first = rows[0];
  if (!first) return '(no rows)\n';
  const names = Object.keys(first);
  const typed = new Map(columns?.map((c) => [c.name, NUMERIC.test(c.type)]));
  const cell = (v: unknown) => (v === null ? 'NULL' : String(v));
  // A loop, not Math.max(...rows): a spread of many rows overflows the call stack.
  const widths = names.map((n) => rows.reduce((w, r) => Math.max(w, cell(r[n]).length), n.length));
  const line = (values: readonly string[], numeric: readonly boolean[]) =>
    values
      .map((v, i) => (numeric[i] ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const numeric = names.map(
    (n) => typed.get(n) ?? rows.every((r) => r[n] === null || typeof r[n] === 'number'),
  );
  return [
    line(names, numeric),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map((r) =>
      line(
        names.map((n) => cell(r[n])),
        numeric,
      ),
    ),
    `(${rows.length} row${rows.length === 1 ? '' : 's'})`,
    '',
  ].join('\n');
}
