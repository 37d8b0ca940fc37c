import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EventsInputInvalidError, parseEventsInput, scheduledEvent } from '@lakeops/local-cloud';
import { CliUsageError, type Command, type CommandContext } from '../command.ts';
import { localConfig } from '../local-config.ts';
import { type LocalRuntime, localRuntime } from '../local-runtime.ts';
import { describeResult } from '../print.ts';

export const runCommand: Command = {
  name: 'run',
  summary: 'Invoke one route’s function now (an event route with an event, a schedule route as if due)',
  help: `Usage: lakeops run <route-id> [options]

Invokes the function of one route in functions/routes.ts now, in this process, through the
same middleware chain as on Lambda, and prints what it did. Nothing goes through the bus:
no pattern matching, no Bronze archive, no retries.

  - an event route needs an event: --event <file> (one event, any form put-events reads);
  - a schedule route gets an event like EventBridge Scheduler's for the time --at (default
    now), or the one in --event.

Options:
  --event <file>    the event to invoke the function with (- for standard input)
  --at <ISO time>   for a schedule route: the time it is due (e.g. 2026-11-27T03:00:00Z)
  -h, --help        show this help

Exit status: 0 when the function processed the event; 1 when it parked it or failed;
2 on a usage mistake (unknown route, missing or unreadable event).

Examples:
  npx lakeops run notify-deploy --event examples/deploy-failed.json`,
  async run(args, ctx) {
    const { positionals, values } = parseOptions(args);
    const [routeId, ...extra] = positionals;
    if (routeId === undefined) throw new CliUsageError('missing <route-id> (see lakeops run --help)');
    if (extra.length > 0) throw new CliUsageError(`one route at a time (got ${positionals.length})`);
    const print = (line: string) => ctx.stdout.write(`  ${line}\n`);
    const runtime = await localRuntime(localConfig(ctx), ctx.env, print);
    return runRoute(runtime, routeId, values, ctx);
  },
};

function parseOptions(args: readonly string[]) {
  try {
    return parseArgs({
      args: [...args],
      allowPositionals: true,
      options: { event: { type: 'string' }, at: { type: 'string' } },
    });
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/** Invokes one route of a runtime (the command's work; tests give it a runtime of their own). */
export async function runRoute(
  runtime: Pick<LocalRuntime, 'routes' | 'invoke'>,
  routeId: string,
  options: { event?: string | undefined; at?: string | undefined },
  ctx: Pick<CommandContext, 'stdout' | 'cwd'>,
): Promise<number> {
  const route = runtime.routes.find((r) => r.id === routeId);
  if (!route) {
    const known = runtime.routes.map((r) => r.id).join(', ') || 'none';
    throw new CliUsageError(`no route '${routeId}' (routes: ${known})`);
  }
  let at: Date | undefined;
  if (options.at !== undefined) {
    if (route.kind !== 'schedule')
      throw new CliUsageError(`--at is for schedule routes; '${routeId}' is an event route`);
    const ms = Date.parse(options.at);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(options.at) || Number.isNaN(ms)) {
      throw new CliUsageError(`--at '${options.at}' is not an ISO time (e.g. 2026-11-27T03:00:00Z)`);
    }
    at = new Date(ms);
  }
  let event: Record<string, unknown>;
  if (options.event !== undefined) {
    event = await readOneEvent(options.event, ctx.cwd);
  } else if (route.kind === 'schedule') {
    event = scheduledEvent(route.id, at ?? new Date());
  } else {
    throw new CliUsageError(`'${routeId}' is an event route: give it an event with --event <file>`);
  }
  const name = `${route.id} (${String(event.source)} / ${String(event['detail-type'])}, id ${String(event.id)})`;
  let result: unknown;
  try {
    result = await runtime.invoke(route.id, event);
  } catch (error) {
    ctx.stdout.write(`${name}: failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const outcome = describeResult(result);
  ctx.stdout.write(`${name}: ${outcome}\n`);
  return outcome.startsWith('parked') ? 1 : 0;
}

async function readOneEvent(file: string, cwd: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    if (file === '-') {
      text = '';
      for await (const chunk of process.stdin) text += chunk;
    } else {
      text = await readFile(resolve(cwd, file), 'utf8');
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? 'unreadable');
    throw new CliUsageError(`cannot read ${file}: ${why}`, { cause: error });
  }
  try {
    const events = parseEventsInput(text);
    if (events.length !== 1) throw new CliUsageError(`${file}: holds ${events.length} events; run takes one`);
    return events[0] as unknown as Record<string, unknown>;
  } catch (error) {
    if (error instanceof EventsInputInvalidError) throw new CliUsageError(`${file}: ${error.message}`);
    throw error;
  }
}
