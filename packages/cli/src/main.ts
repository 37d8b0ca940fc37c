import { CliUsageError, type CommandContext, type CommandEntry, loadCommand, wantsHelp } from './command.ts';
import { commands } from './commands/index.ts';

const version = '0.1.0';

function usage(list: readonly CommandEntry[]): string {
  const width = Math.max(...list.map((c) => c.name.length), 4);
  const lines = list.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'lakeops — operations for an AWS data lake, on AWS or on one machine',
    '',
    'Usage: lakeops <command> [options]',
    '       lakeops --version',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `lakeops <command> --help` for the options of one command.',
    '',
  ].join('\n');
}

/** Runs one command line; returns the exit code. User mistakes print one line, never a stack. */
export async function main(
  argv: readonly string[],
  ctx: CommandContext = processContext(),
  list: readonly CommandEntry[] = commands,
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    ctx.stdout.write(usage(list));
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    ctx.stdout.write(`lakeops ${version} (node ${process.version})\n`);
    return 0;
  }
  const entry = list.find((c) => c.name === name);
  if (!entry) {
    ctx.stderr.write(`lakeops: unknown command '${name}' (run 'lakeops --help' for the list)\n`);
    return 2;
  }
  const command = await loadCommand(entry);
  if (wantsHelp(rest)) {
    ctx.stdout.write(`${command.help.trimEnd()}\n`);
    return 0;
  }
  try {
    const code = await command.run(rest, ctx);
    return stdoutClosed ? SIGPIPE_EXIT : code;
  } catch (error) {
    if (stdoutClosed) return SIGPIPE_EXIT;
    if (error instanceof CliUsageError) {
      ctx.stderr.write(`lakeops ${name}: ${error.message}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    ctx.stderr.write(`lakeops ${name}: unexpected error: ${message}\n`);
    if (ctx.env.LAKEOPS_DEBUG && error instanceof Error && error.stack) ctx.stderr.write(`${error.stack}\n`);
    return 1;
  }
}

/** What a Unix tool killed by SIGPIPE exits with (128 + 13). */
const SIGPIPE_EXIT = 141;
/** Set when whoever read our stdout went away (`lakeops … | head`). */
let stdoutClosed = false;

/**
 * A closed pipe ends the command quietly, as Unix tools do: the write error (EPIPE, or a write
 * after the stream was destroyed) is swallowed instead of crashing with a stack, the command's
 * signal is aborted so long-running work stops, and the process exits 141. Node ignores SIGPIPE,
 * so without this the EPIPE is an unhandled 'error' event.
 */
function endQuietlyOnClosedPipe(stream: NodeJS.WriteStream, onClosed: () => void): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') {
      onClosed();
      return;
    }
    process.stderr.write(`lakeops: cannot write output: ${error.message}\n`);
    process.exit(1);
  });
}

function processContext(): CommandContext {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  endQuietlyOnClosedPipe(process.stdout, () => {
    stdoutClosed = true;
    process.exitCode = SIGPIPE_EXIT;
    stop();
  });
  endQuietlyOnClosedPipe(process.stderr, () => undefined);
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
  };
}
