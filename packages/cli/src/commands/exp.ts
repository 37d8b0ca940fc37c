import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  type Assignment,
  assignVariant,
  ExperimentCatalog,
  ExperimentConfigInvalidError,
  ExperimentNotFoundError,
} from '@lakeops/experiments';
import { CliUsageError, type Command, type CommandContext } from '../command.ts';
import { parseOptions } from '../lake.ts';

/** The experiment definitions `exp assign` reads when --flags is not given (relative to the working directory). */
export const DEFAULT_FLAGS_FILE = 'examples/experiments.json';

const help = `Usage: lakeops exp <assign>
       lakeops exp assign --exp KEY --user ID [--flags FILE] [--at TIME] [--json]

Experiments (AWS AppConfig feature flags with variants; see packages/experiments).

  assign    prints the variant the unit (a user_id, or an anon_id before login) gets in the
            experiment, or "none" when it is not in it (disabled, outside start/end, outside
            the allocation). Sticky: SHA-256 of "<salt>:<key>:<id>", first 8 bytes mod 10000.

Options:
  --exp KEY     the experiment (the flag key)
  --user ID     the unit id (user_id or anon_id)
  --flags FILE  the AWS.AppConfig.FeatureFlags JSON document (default ${DEFAULT_FLAGS_FILE})
  --at TIME     check the experiment's start/end window at this ISO-8601 time
  --json        print {"exp","variant","bucket","in_experiment"[,"reason"]}
  -h, --help    show this help

Exit status: 0 when a variant (or none) was printed, 1 when the flags file is unreadable or
invalid or the experiment is unknown, 2 on a usage mistake.

Examples:
  npx lakeops exp assign --exp checkout-cta --user u_123
  npx lakeops exp assign --exp search-ranking --user anon:7f3e2a --json`;

const options = {
  exp: { type: 'string' },
  user: { type: 'string' },
  flags: { type: 'string' },
  at: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const expCommand: Command = {
  name: 'exp',
  summary: 'Experiments: the sticky variant of a user (assign)',
  help,
  async run(args, ctx) {
    const { positionals, values } = parseOptions(args, options, true);
    const [action, ...extra] = positionals;
    if (action !== 'assign') {
      throw new CliUsageError(
        action === undefined
          ? 'missing action: assign (see lakeops exp --help)'
          : `unknown action '${action}' (assign)`,
      );
    }
    if (extra.length) throw new CliUsageError(`unexpected argument '${extra[0]}'`);
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
