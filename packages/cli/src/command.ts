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
