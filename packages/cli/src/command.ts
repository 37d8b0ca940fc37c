import type { Writable } from 'node:stream';

/** What a command gets from the process: streams, environment and working directory. */
export interface CommandContext {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Aborted on Ctrl-C (SIGINT/SIGTERM); long-running commands stop cleanly when it fires. */
  readonly signal: AbortSignal;
}

/** One `lakeops <name>` sub-command. `run` returns the process exit code. */
export interface Command {
  readonly name: string;
  /** One line for `lakeops --help`. */
  readonly summary: string;
  /** The full `lakeops <name> --help` text. */
  readonly help: string;
  run(args: readonly string[], ctx: CommandContext): Promise<number>;
}

/**
 * A command as `lakeops --help` lists it, before its module is loaded: `load` imports the module
 * (and everything it needs) only when the command runs.
 */
export interface LazyCommand {
  readonly name: string;
  readonly summary: string;
  load(): Promise<Command>;
}

/** A command given whole or lazily. */
export type CommandEntry = Command | LazyCommand;

/** The command itself, importing its module when it is given lazily. */
export async function loadCommand(entry: CommandEntry): Promise<Command> {
  return 'load' in entry ? entry.load() : entry;
}

/**
 * A mistake in what the user typed or gave us: printed as one line (`lakeops: <message>`),
 * never as a stack trace, and the process exits with `exitCode`.
 */
export class CliUsageError extends Error {
  readonly code: string = 'CliUsage';
  readonly retryable = false;
  readonly exitCode: number;
  constructor(message: string, options?: { exitCode?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliUsageError';
    this.exitCode = options?.exitCode ?? 2;
  }
}

/** True when `--help`/`-h` is among the args. */
export function wantsHelp(args: readonly string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}

/**
 * The action of a command that takes one (`lakeops <command> <action>`) and nothing after it:
 * one of `actions`, or a usage error naming what was expected.
 *
 * @example
 * ```ts
 * const action = actionOf('kpi', positionals, ['detect', 'backtest'] as const); // 'detect' | 'backtest'
 * ```
 */
export function actionOf<const A extends readonly [string, string, ...string[]]>(
  command: string,
  positionals: readonly string[],
  actions: A,
): A[number] {
  const [action, ...extra] = positionals;
  const choices = `${actions.slice(0, -1).join(', ')} or ${actions.at(-1)}`;
  if (action === undefined)
    throw new CliUsageError(`missing action: ${choices} (see lakeops ${command} --help)`);
  if (!actions.includes(action)) throw new CliUsageError(`unknown action '${action}' (${choices})`);
  if (extra.length > 0) throw new CliUsageError(`unexpected argument '${extra[0]}'`);
  return action;
}
