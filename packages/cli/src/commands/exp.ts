import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { JsonlEventPublisher } from '@lakeops/adapters-local';
import {
  type AnalyzeExperimentResult,
  analyzeExperiment,
  ExperimentAnalysisInvalidError,
  type ExpResultRow,
  systemClock,
} from '@lakeops/core';
import {
  type Assignment,
  analyzeMetric,
  assignVariant,
  DEFAULT_POWER,
  ExperimentCatalog,
  ExperimentConfigInvalidError,
  ExperimentNotFoundError,
  parseUnitCsv,
  StatsInputInvalidError,
  sampleSizeForEffect,
  summarize,
} from '@lakeops/experiments';
import { expResults, loadExperimentQueries } from '@lakeops/lake';
import { actionOf, CliUsageError, type Command, type CommandContext } from '../command.ts';
import { asUsageError, openLocalLake, parseOptions } from '../lake.ts';
import { localConfig } from '../local-config.ts';

/** The experiment definitions `exp assign` reads when --flags is not given (relative to the working directory). */
export const DEFAULT_FLAGS_FILE = 'examples/experiments.json';

const help = `Usage: lakeops exp <assign|stats|power|analyze>
       lakeops exp assign --exp KEY --user ID [--flags FILE] [--at TIME] [--json]
       lakeops exp stats --csv FILE --metric-type mean|proportion [--cuped] [--sequential] [--alpha A] [--weights W]
       lakeops exp power --effect R (--mean M --sd S | --csv FILE) [--metric-type T] [--alpha A] [--power P] [--weights W]
       lakeops exp analyze KEY [--flags FILE] [--day YYYY-MM-DD] [--pre-days N] [--no-cuped] [--alpha A] [--json]

Experiments (AWS AppConfig feature flags with variants; see packages/experiments).

  assign    prints the variant the unit (a user_id, or an anon_id before login) gets in the
            experiment, or "none" when it is not in it (disabled, outside start/end, outside
            the allocation). Sticky: SHA-256 of "<salt>:<key>:<id>", first 8 bytes mod 10000.
  stats     reads "variant,value[,pre_value]" per unit (a header row is optional) and prints one
            JSON object: "variants" (n and mean of each), "control", "treatment", "delta",
            "relative_delta", "ci_low", "ci_high", "p_value", "method", "variance_reduction",
            "mde", "alpha"; with --cuped also "theta", with the weights option also
            "srm_p_value" and "srm_mismatch". Means: Welch's t; proportions (0/1): the
            two-proportion z-test; fixed horizon unless --sequential. "mde" is the minimum
            detectable effect: the smallest true delta found with 80 % probability at this n.
  power     the units a fixed-horizon test needs to find a relative effect R (0.03 = +3 %)
            on a metric of mean M and standard deviation S (or the values of a CSV, e.g. the
            metric per user before the experiment) with the given power; prints one JSON
            object: "effect", "delta", "effect_size", "alpha", "power", "n" per variant,
            "total". Two-sample z-test, both tails (statsmodels NormalIndPower).
  analyze   what the daily exp-analyze schedule does, on the local lake: joins
            silver.dim_exposure with the per-user Gold aggregates (the window from each
            user's first exposure day to --day; the pre-period before the start for CUPED),
            compares each variant with control on every declared metric (sequential unless
            the experiment declares "analysis": "fixed"), checks the split (SRM), writes
            gold.exp_results (dt, exp_key) and publishes exp.srm.detected and
            exp.guardrail.breached to $LAKEOPS_HOME/events/published.jsonl.

Options (assign):
  --exp KEY     the experiment (the flag key)
  --user ID     the unit id (user_id or anon_id)
  --flags FILE  the AWS.AppConfig.FeatureFlags JSON document (default ${DEFAULT_FLAGS_FILE})
  --at TIME     check the experiment's start/end window at this ISO-8601 time
  --json        print {"exp","variant","bucket","in_experiment"[,"reason"]}

Options (stats):
  --csv FILE            per-unit values
  --metric-type TYPE    mean or proportion
  --cuped               adjust with the pre_value column (CUPED, theta pooled over both variants)
  --sequential          always-valid interval and p-value (normal mixture), safe to peek daily
  --alpha A             two-sided level (default 0.05)
  --weights W           declared weights "control,treatment" (e.g. 50,50): adds the chi-square
                        sample-ratio-mismatch check (mismatch when p < 0.001)

Options (power):
  --effect R            the relative effect to find (0.03 = +3 % of the mean; may be negative)
  --mean M              the metric's mean (for a proportion, its rate; then --sd is implied)
  --sd S                the metric's standard deviation per unit
  --csv FILE            instead of --mean/--sd: "variant,value" or one value per line
  --metric-type TYPE    mean (default) or proportion
  --power P             the probability of finding the effect (default 0.8)
  --alpha A             two-sided level (default 0.05)
  --weights W           the split "control,treatment" (default 50,50)

Options (analyze):
  --flags FILE          as for assign
  --day DATE            the analysis day, the last day counted (YYYY-MM-DD; default today, UTC)
  --pre-days N          days of pre-period before the start, for CUPED (default 28)
  --no-cuped            compare the raw values (no CUPED adjustment)
  --alpha A             two-sided level (default 0.05)
  --json                print the result (window, counts, srm, rows, skipped, events) as JSON
  -h, --help            show this help

Exit status: 0 on a result, 1 when the input cannot be used (unreadable or invalid flags file,
unknown experiment, a CSV with one variant, empty or non-numeric values, an experiment with no
exposures or one variant exposed), 2 on a usage mistake.

Examples:
  npx lakeops exp assign --exp checkout-cta --user u_123
  npx lakeops exp assign --exp search-ranking --user anon:7f3e2a --json
  npx lakeops exp stats --csv examples/exp-gmv.csv --metric-type mean --cuped
  npx lakeops exp power --effect 0.03 --mean 39.5 --sd 93
  npx lakeops exp analyze search-ranking-v3`;

const options = {
  exp: { type: 'string' },
  user: { type: 'string' },
  flags: { type: 'string' },
  at: { type: 'string' },
  json: { type: 'boolean' },
  csv: { type: 'string' },
  'metric-type': { type: 'string' },
  cuped: { type: 'boolean' },
  sequential: { type: 'boolean' },
  alpha: { type: 'string' },
  weights: { type: 'string' },
  day: { type: 'string' },
  'pre-days': { type: 'string' },
  'no-cuped': { type: 'boolean' },
  effect: { type: 'string' },
  mean: { type: 'string' },
  sd: { type: 'string' },
  power: { type: 'string' },
} as const;

export const expCommand: Command = {
  name: 'exp',
  summary:
    'Experiments: the sticky variant of a user (assign), statistics from a CSV (stats), the sample size an effect needs (power), the daily analysis into gold.exp_results (analyze)',
  help,
  async run(args, ctx) {
    const { positionals, values } = parseOptions(args, options, true);
    const analyzing = positionals[0] === 'analyze';
    const action = actionOf('exp', analyzing ? positionals.slice(0, 1) : positionals, [
      'assign',
      'stats',
      'power',
      'analyze',
    ] as const);
    if (action === 'analyze') return analyze(positionals.slice(1), values, ctx);
    for (const name of ['day', 'pre-days', 'no-cuped'] as const)
      if (values[name] !== undefined) throw new CliUsageError(`--${name} is for analyze`);
    if (action === 'power') return power(values, ctx);
    for (const name of ['effect', 'mean', 'sd', 'power'] as const)
      if (values[name] !== undefined) throw new CliUsageError(`--${name} is for power`);
    if (action === 'stats') return stats(values, ctx);
    for (const name of ['csv', 'metric-type', 'cuped', 'sequential', 'alpha', 'weights'] as const)
      if (values[name] !== undefined) throw new CliUsageError(`--${name} is for stats`);
    if (values.exp === undefined) throw new CliUsageError('assign needs --exp KEY');
    if (values.user === undefined || values.user === '') throw new CliUsageError('assign needs --user ID');
    if (values.at !== undefined && Number.isNaN(Date.parse(values.at)))
      throw new CliUsageError(`--at must be an ISO-8601 time, got '${values.at}'`);
    const catalog = await readCatalog(values.flags ?? DEFAULT_FLAGS_FILE, ctx);
    let assignment: Assignment;
    try {
      assignment = assignVariant(catalog.get(values.exp), values.user, values.at);
    } catch (error) {
      if (error instanceof ExperimentNotFoundError)
        throw new CliUsageError(error.message, { exitCode: 1, cause: error });
      throw error;
    }
    if (values.json) {
      ctx.stdout.write(
        `${JSON.stringify({
          exp: values.exp,
          variant: assignment.variant,
          bucket: assignment.bucket,
          in_experiment: assignment.inExperiment,
          ...(assignment.inExperiment ? {} : { reason: assignment.reason }),
        })}\n`,
      );
    } else {
      ctx.stdout.write(`${assignment.variant ?? 'none'}\n`);
    }
    return 0;
  },
};

async function stats(
  values: {
    csv?: string | undefined;
    'metric-type'?: string | undefined;
    cuped?: boolean | undefined;
    sequential?: boolean | undefined;
    alpha?: string | undefined;
    weights?: string | undefined;
    exp?: string | undefined;
    user?: string | undefined;
    flags?: string | undefined;
    at?: string | undefined;
    json?: boolean | undefined;
  },
  ctx: CommandContext,
): Promise<number> {
  for (const name of ['exp', 'user', 'flags', 'at', 'json'] as const)
    if (values[name] !== undefined) throw new CliUsageError(`--${name} is for assign`);
  if (values.csv === undefined) throw new CliUsageError('stats needs --csv FILE');
  const metricType = values['metric-type'];
  if (metricType !== 'mean' && metricType !== 'proportion')
    throw new CliUsageError(
      metricType === undefined
        ? 'stats needs --metric-type mean|proportion'
        : `--metric-type must be mean or proportion, got '${metricType}'`,
    );
  const alpha = alphaOf(values.alpha);
  const weights = weightsOf(values.weights);
  const text = await readCsv(values.csv, ctx);
  try {
    const result = analyzeMetric(parseUnitCsv(text), {
      metricType,
      cuped: values.cuped === true,
      sequential: values.sequential === true,
      alpha,
      ...(weights ? { weights } : {}),
    });
    ctx.stdout.write(`${JSON.stringify(result)}\n`);
  } catch (error) {
    if (error instanceof StatsInputInvalidError)
      throw new CliUsageError(`${values.csv}: ${error.message}`, { exitCode: 1, cause: error });
    throw error;
  }
  return 0;
}

type Values = ReturnType<typeof parseOptions<typeof options>>['values'];

function alphaOf(raw: string | undefined): number {
  const alpha = raw === undefined ? 0.05 : Number(raw);
  if (!(alpha > 0 && alpha < 1)) throw new CliUsageError(`--alpha must be between 0 and 1, got '${raw}'`);
  return alpha;
}

function weightsOf(raw: string | undefined): [number, number] | undefined {
  if (raw === undefined) return undefined;
  const parts = raw.split(',').map((w) => Number(w.trim()));
  if (parts.length !== 2 || !parts.every((w) => w > 0 && Number.isFinite(w)))
    throw new CliUsageError(`--weights must be two positive numbers "control,treatment", got '${raw}'`);
  return [parts[0] as number, parts[1] as number];
}

async function readCsv(file: string, ctx: CommandContext): Promise<string> {
  try {
    return await readFile(resolve(ctx.cwd, file), 'utf8');
  } catch (error) {
    throw new CliUsageError(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      {
        exitCode: 1,
        cause: error,
      },
    );
  }
}

/** A finite number from an option, or a usage error naming it. */
function numberOption(name: string, raw: string, check: (x: number) => boolean, want: string): number {
  const x = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!(Number.isFinite(x) && check(x))) throw new CliUsageError(`--${name} must be ${want}, got '${raw}'`);
  return x;
}

/**
 * The values of a CSV for `exp power`: one number per line (a first line that is not a number is a
 * header), or `variant,value[,pre_value]` rows, whose values count whatever their variant.
 */
function parseValues(text: string): number[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.some((l) => l.includes(','))) return parseUnitCsv(text).map((r) => r.value);
  const values: number[] = [];
  for (const [i, raw] of lines.entries()) {
    const cell = raw.trim();
    const n = Number(cell);
    if (Number.isFinite(n)) values.push(n);
    else if (i > 0) throw new StatsInputInvalidError(`line ${i + 1}: value '${cell}' is not a number`);
  }
  if (values.length === 0) throw new StatsInputInvalidError('no rows');
  return values;
}

async function power(values: Values, ctx: CommandContext): Promise<number> {
  for (const name of ['exp', 'user', 'flags', 'at', 'json', 'cuped', 'sequential'] as const)
    if (values[name] !== undefined) throw new CliUsageError(`--${name} is not an option of power`);
  if (values.effect === undefined) throw new CliUsageError('power needs --effect R (0.03 = +3 %)');
  const effect = numberOption(
    'effect',
    values.effect,
    (x) => x !== 0 && x > -1,
    'a relative effect other than 0, above -1',
  );
  const metricType = values['metric-type'] ?? 'mean';
  if (metricType !== 'mean' && metricType !== 'proportion')
    throw new CliUsageError(`--metric-type must be mean or proportion, got '${metricType}'`);
  const alpha = alphaOf(values.alpha);
  const target =
    values.power === undefined
      ? DEFAULT_POWER
      : numberOption('power', values.power, (x) => x > 0 && x < 1, 'between 0 and 1');
  const [wc, wt] = weightsOf(values.weights) ?? [50, 50];
  let mean: number;
  let sd: number;
  if (values.csv !== undefined) {
    if (values.mean !== undefined || values.sd !== undefined)
      throw new CliUsageError('give --csv or --mean/--sd, not both');
    let rows: number[];
    try {
      rows = parseValues(await readCsv(values.csv, ctx));
      if (rows.length < 2)
        throw new StatsInputInvalidError(`${rows.length} value; a standard deviation needs 2`);
    } catch (error) {
      if (error instanceof StatsInputInvalidError)
        throw new CliUsageError(`${values.csv}: ${error.message}`, { exitCode: 1, cause: error });
      throw error;
    }
    const s = summarize(rows);
    mean = s.mean;
    sd = Math.sqrt(s.variance);
  } else {
    if (values.mean === undefined) throw new CliUsageError('power needs --mean M (or --csv FILE)');
    mean = numberOption('mean', values.mean, (x) => x !== 0, 'a number other than 0');
    if (metricType === 'proportion') {
      if (!(mean > 0 && mean < 1))
        throw new CliUsageError(`--mean of a proportion must be between 0 and 1, got '${values.mean}'`);
      if (values.sd !== undefined) throw new CliUsageError('--sd is implied by the rate of a proportion');
      sd = Math.sqrt(mean * (1 - mean));
    } else {
      if (values.sd === undefined) throw new CliUsageError('power needs --sd S (or --csv FILE)');
      sd = numberOption('sd', values.sd, (x) => x > 0, 'a number above 0');
    }
  }
  if (!(sd > 0))
    throw new CliUsageError(`${values.csv}: every value is the same; no effect can be measured`, {
      exitCode: 1,
    });
  const delta = effect * mean;
  const effectSize = delta / sd;
  const ratio = wt / wc;
  const control = Math.ceil(sampleSizeForEffect(effectSize, alpha, target, ratio));
  const treatment = Math.ceil(control * ratio);
  ctx.stdout.write(
    `${JSON.stringify({
      effect,
      delta,
      mean,
      sd,
      effect_size: effectSize,
      alpha,
      power: target,
      n: { control, treatment },
      total: control + treatment,
    })}\n`,
  );
  return 0;
}

async function analyze(keys: readonly string[], values: Values, ctx: CommandContext): Promise<number> {
  for (const name of ['user', 'at', 'csv', 'metric-type', 'cuped', 'sequential', 'weights', 'exp'] as const)
    if (values[name] !== undefined) throw new CliUsageError(`--${name} is not an option of analyze`);
  const [key, extra] = keys;
  if (key === undefined)
    throw new CliUsageError('analyze needs the experiment key, e.g. lakeops exp analyze search-ranking-v3');
  if (extra !== undefined) throw new CliUsageError(`unexpected argument '${extra}'`);
  if (values.day !== undefined && !isIsoDay(values.day))
    throw new CliUsageError(`--day must be a date YYYY-MM-DD, got '${values.day}'`);
  const rawPre = values['pre-days'];
  const preDays = rawPre === undefined ? 28 : Number(rawPre);
  if (!(Number.isSafeInteger(preDays) && preDays >= 1 && preDays <= 366 && /^\d+$/.test(rawPre ?? '28')))
    throw new CliUsageError(`--pre-days must be a whole number from 1 to 366, got '${rawPre}'`);
  const alpha = values.alpha === undefined ? 0.05 : Number(values.alpha);
  if (!(alpha > 0 && alpha < 1))
    throw new CliUsageError(`--alpha must be between 0 and 1, got '${values.alpha}'`);
  const catalog = await readCatalog(values.flags ?? DEFAULT_FLAGS_FILE, ctx);
  let experiment: ReturnType<ExperimentCatalog['get']>;
  try {
    experiment = catalog.get(key);
  } catch (error) {
    if (error instanceof ExperimentNotFoundError)
      throw new CliUsageError(error.message, { exitCode: 1, cause: error });
    throw error;
  }
  const home = localConfig(ctx).home;
  const lake = await openLocalLake(home);
  let result: AnalyzeExperimentResult;
  try {
    const now = systemClock.now();
    result = await analyzeExperiment(
      {
        engine: lake.engine,
        clock: systemClock,
        events: new JsonlEventPublisher({ file: join(home, 'events', 'published.jsonl') }),
      },
      {
        experiment,
        resultsTable: expResults,
        queries: await loadExperimentQueries(),
        runId: `exp-cli-${now.toISOString().replace(/[-:]/g, '').slice(0, 15)}`,
        preDays,
        alpha,
        cuped: values['no-cuped'] !== true,
        ...(values.day === undefined ? {} : { day: values.day }),
      },
    );
  } catch (error) {
    if (error instanceof ExperimentAnalysisInvalidError)
      throw new CliUsageError(error.message, { exitCode: 1, cause: error });
    throw asUsageError(error);
  } finally {
    await lake.close();
  }
  if (values.json) {
    ctx.stdout.write(
      `${JSON.stringify({
        exp_key: result.expKey,
        analysis: result.analysis,
        window: result.window,
        counts: result.counts,
        srm: result.srm,
        rows: result.rows,
        skipped: result.skipped,
        events: result.events.map((e) => ({ 'detail-type': e.detailType, detail: e.detail })),
      })}\n`,
    );
    return 0;
  }
  ctx.stdout.write(`${formatAnalysis(result)}\n`);
  return 0;
}

function isIsoDay(raw: string): boolean {
  const at = Date.parse(`${raw}T00:00:00Z`);
  return (
    /^\d{4}-\d{2}-\d{2}$/.test(raw) && !Number.isNaN(at) && new Date(at).toISOString().slice(0, 10) === raw
  );
}

const fmt = (x: number | null, digits = 4) => (x === null ? '-' : Number(x.toPrecision(digits)).toString());

/** The analysis as a short report: header, one line per variant and metric, then alerts. */
export function formatAnalysis(r: AnalyzeExperimentResult): string {
  const counts = Object.entries(r.counts)
    .map(([v, n]) => `${v} ${n}`)
    .join(', ');
  const lines = [
    `${r.expKey} as of ${r.window.to} (${r.analysis}; start ${r.window.start}, pre-period from ${r.window.preFrom})`,
    `units: ${counts}; SRM p = ${fmt(r.srm.pValue)}${r.srm.mismatch ? ' MISMATCH' : ''}`,
  ];
  for (const row of r.rows) {
    const head = `${row.metric} ${row.variant}: n ${row.n}, mean ${fmt(row.mean, 6)}`;
    if (row.is_control) {
      lines.push(`  ${head} (control)`);
      continue;
    }
    const rel =
      row.relative_delta === null
        ? ''
        : ` (${row.relative_delta >= 0 ? '+' : ''}${(row.relative_delta * 100).toFixed(2)} %)`;
    lines.push(
      `  ${head}, delta ${fmt(row.delta)}${rel}, ${Math.round((1 - row.alpha) * 100)} % CI [${fmt(row.ci_low)}, ${fmt(row.ci_high)}], p ${fmt(row.p_value, 3)}, ${row.method}${row.variance_reduction === null ? '' : `, variance reduction ${(row.variance_reduction * 100).toFixed(1)} %`}${mdeText(row)}${row.guardrail_breached ? ', GUARDRAIL BREACHED' : ''}`,
    );
  }
  for (const s of r.skipped) lines.push(`  skipped ${s.metric}: ${s.reason}`);
  for (const e of r.events) lines.push(`  published ${e.detailType}`);
  lines.push(`wrote gold.exp_results dt=${r.window.to}/exp_key=${r.expKey} (${r.rows.length} rows)`);
  return lines.join('\n');
}

/** ", MDE 3.2 (8.10 %)": the minimum detectable effect at 80 % power, also relative to control. */
function mdeText(row: ExpResultRow): string {
  if (row.mde === null) return '';
  const base = row.delta !== null && row.relative_delta ? row.delta / row.relative_delta : null;
  return `, MDE ${fmt(row.mde)}${base ? ` (${((row.mde / Math.abs(base)) * 100).toFixed(2)} %)` : ''}`;
}

async function readCatalog(file: string, ctx: CommandContext): Promise<ExperimentCatalog> {
  let text: string;
  try {
    text = await readFile(resolve(ctx.cwd, file), 'utf8');
  } catch (error) {
    throw new CliUsageError(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      {
        exitCode: 1,
        cause: error,
      },
    );
  }
  try {
    return ExperimentCatalog.fromJson(text);
  } catch (error) {
    if (error instanceof ExperimentConfigInvalidError)
      throw new CliUsageError(`${file}: ${error.message}`, { exitCode: 1, cause: error });
    throw error;
  }
}
