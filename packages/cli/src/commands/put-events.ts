import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EventsInputInvalidError, LocalEventBus, parseEventsInput } from '@lakeops/local-cloud';
import { CliUsageError, type Command } from '../command.ts';
import { localConfig } from '../local-config.ts';
import { localRuntime } from '../local-runtime.ts';
import { describeResult } from '../print.ts';

export const putEventsCommand: Command = {
  name: 'put-events',
  summary: 'Send events from a file to the local functions',
  help: `Usage: lakeops put-events <file|-> [options]

Sends events to the functions whose route patterns match them, through the same
middleware chain as on Lambda, and prints what each function did.

<file> holds either
  - AWS CLI "put-events --entries" JSON: [{"Source", "DetailType", "Detail": "<JSON string>"}],
    or {"Entries": [...]};
  - whole EventBridge events: one JSON object, an array of them, or JSON lines.
Use - to read standard input.

Options:
  -h, --help   show this help

Exit status: 0 when every event was taken by a route and processed; 1 when an event
matched no route or a function failed; 2 on unreadable input.

Example:
  npx lakeops put-events examples/deploy-failed.json`,
  async run(args, ctx) {
    const { positionals } = parseArgs({ args: [...args], allowPositionals: true, options: {} });
    const [file, ...extra] = positionals;
    if (file === undefined) throw new CliUsageError('missing <file> (see lakeops put-events --help)');
    if (extra.length > 0) throw new CliUsageError(`one file at a time (got ${positionals.length})`);
    const text = await readInput(file, ctx.cwd);
    let events: ReturnType<typeof parseEventsInput>;
    try {
      events = parseEventsInput(text);
    } catch (error) {
      if (error instanceof EventsInputInvalidError) throw new CliUsageError(`${file}: ${error.message}`);
      throw error;
    }
    const print = (line: string) => ctx.stdout.write(`  ${line}\n`);
    const runtime = await localRuntime(localConfig(ctx), ctx.env, print);
    const rules = runtime.routes.flatMap((r) =>
      r.kind === 'event' ? [{ id: r.id, pattern: r.pattern }] : [],
    );
    const bus = new LocalEventBus({ rules, invoke: (id, event) => runtime.invoke(id, event) });
    let failures = 0;
    const routed = await bus.put(events);
    routed.forEach(({ event, deliveries }, i) => {
      const label = `event ${i + 1} (${event.source} / ${event['detail-type']}, id ${event.id})`;
      if (deliveries.length === 0) {
        failures++;
        ctx.stderr.write(`lakeops put-events: no route takes ${label}\n`);
        return;
      }
      for (const d of deliveries) {
        const outcome = d.ok ? describeResult(d.result) : `failed: ${d.error.message}`;
        if (!d.ok || outcome.startsWith('parked')) failures++;
        ctx.stdout.write(`${label} → ${d.ruleId}: ${outcome}\n`);
      }
    });
    return failures === 0 ? 0 : 1;
  },
};

async function readInput(file: string, cwd: string): Promise<string> {
  if (file === '-') {
    let text = '';
    for await (const chunk of process.stdin) text += chunk;
    return text;
  }
  try {
    return await readFile(resolve(cwd, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? 'unreadable');
    throw new CliUsageError(`cannot read ${file}: ${why}`, { cause: error });
  }
}
