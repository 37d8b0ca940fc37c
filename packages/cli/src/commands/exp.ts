import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  type Assignment,
  analyzeMetric,
  assignVariant,
  ExperimentCatalog,
  ExperimentConfigInvalidError,
  ExperimentNotFoundError,
  parseUnitCsv,
  StatsInputInvalidError,
} from '@lakeops/experiments';
import { actionOf, CliUsageError, type Command, type CommandContext } from '../command.ts';
import { parseOptions } from '../lake.ts';

/** The experiment definitions `exp assign` reads when --flags is not given (relative to the working directory). */
export const DEFAULT_FLAGS_FILE = 'examples/experiments.json';

const help = `Usage: lakeops exp <assign|stats>
       lakeops exp assign --exp KEY --user ID [--flags FILE] [--at TIME] [--json]
       lakeops exp stats --csv FILE --metric-type mean|proportion [--cuped] [--sequential] [--alpha A] [--weights W]

Experiments (AWS AppConfig feature flags with variants; see packages/experiments).

  assign    prints the variant the unit (a user_id, or an anon_id before login) gets in the
            experiment, or "none" when it is not in it (disabled, outside start/end, outside
            the allocation). Sticky: SHA-256 of "<salt>:<key>:<id>", first 8 bytes mod 10000.
  stats     reads "variant,value[,pre_value]" per unit (a header row is optional) and prints one
            JSON object: "variants" (n and mean of each), "control", "treatment", "delta",
            "relative_delta", "ci_low", "ci_high", "p_value", "method", "variance_reduction",
            "alpha"; with --cuped also "theta", with the weights option also
            "srm_p_value" and "srm_mismatch". Means: Welch's t; proportions (0/1): the
            two-proportion z-test; fixed horizon unless --sequential.

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
  -h, --help            show this help

Exit status: 0 on a result, 1 when the input cannot be used (unreadable or invalid flags file,
unknown experiment, a CSV with one variant, empty or non-numeric values), 2 on a usage mistake.

Examples:
  npx lakeops exp assign --exp checkout-cta --user u_123
  npx lakeops exp assign --exp search-ranking --user anon:7f3e2a --json
  npx lakeops exp stats --csv examples/exp-gmv.csv --metric-type mean --cuped`;

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
} as const;

export const expCommand: Command = {
  name: 'exp',
  summary: 'Experiments: the sticky variant of a user (assign), per-variant statistics from a CSV (stats)',
  help,
  async run(args, ctx) {
    const { positionals, values } = parseOptions(args, options, true);
    const action = actionOf('exp', positionals, ['assign', 'stats'] as const);
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
  const alpha = values.alpha === undefined ? 0.05 : Number(values.alpha);
  if (!(alpha > 0 && alpha < 1))
    throw new CliUsageError(`--alpha must be between 0 and 1, got '${values.alpha}'`);
  let weights: [number, number] | undefined;
  if (values.weights !== undefined) {
    const parts = values.weights.split(',').map((w) => Number(w.trim()));
    if (parts.length !== 2 || !parts.every((w) => w > 0 && Number.isFinite(w)))
      throw new CliUsageError(
        `--weights must be two positive numbers "control,treatment", got '${values.weights}'`,
      );
    weights = [parts[0] as number, parts[1] as number];
  }
  let text: string;
  try {
    text = await readFile(resolve(ctx.cwd, values.csv), 'utf8');
  } catch (error) {
    throw new CliUsageError(
      `cannot read ${values.csv}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      {
        exitCode: 1,
        cause: error,
      },
    );
  }
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
