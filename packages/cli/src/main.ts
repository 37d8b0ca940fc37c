import { CliUsageError, type Command, type CommandContext, wantsHelp } from './command.ts';
import { commands } from './commands/index.ts';

const version = '0.1.0';

function usage(list: readonly Command[]): string {
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
  list: readonly Command[] = commands,
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
  const command = list.find((c) => c.name === name);
  if (!command) {
    ctx.stderr.write(`lakeops: unknown command '${name}' (run 'lakeops --help' for the list)\n`);
    return 2;
  }
  if (wantsHelp(rest)) {
    ctx.stdout.write(`${command.help.trimEnd()}\n`);
    return 0;
  }
  try {
    return await command.run(rest, ctx);
  } catch (error) {
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

function processContext(): CommandContext {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
  };
}
