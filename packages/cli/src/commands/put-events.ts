import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type BusEvent,
  type DeliveryReport,
  DurableEventBus,
  EndpointRequestFailedError,
  EventsInputInvalidError,
  parseEventsInput,
  putEventsToEndpoint,
  quarantineMessage,
  type RetryPolicy,
} from '@lakeops/local-cloud';
import { CliUsageError, type Command, type CommandContext } from '../command.ts';
import { localConfig } from '../local-config.ts';
import { localRuntime } from '../local-runtime.ts';
import { describeResult } from '../print.ts';

/** put-events waits for its deliveries, so transient failures get a short retry schedule. */
const cliRetries: RetryPolicy = { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 1_000 };

export const putEventsCommand: Command = {
  name: 'put-events',
  summary: 'Send events from a file to the local functions (or to a running endpoint)',
  help: `Usage: lakeops put-events <file|-> [options]

Archives the events in Bronze (LAKEOPS_HOME/lake/bronze/events/…; one that breaks its
contract in lake/bronze/_quarantine/…, with its reasons) and sends them to the functions whose route patterns match, through the same
middleware chain as on Lambda, then prints what each function did. No server is needed.

<file> holds either
  - AWS CLI "put-events --entries" JSON: [{"Source", "DetailType", "Detail": "<JSON string>"}],
    or {"Entries": [...]};
  - whole EventBridge events: one JSON object, an array of them, or JSON lines.
Use - to read standard input.

Options:
  --endpoint <url>  send to a running endpoint instead (lakeops start, or AWS), with the
                    AWS SDK, in batches of 10; prints the event id or error of each event
  -h, --help        show this help

Exit status: 0 when every event was taken by a route and processed; 1 when an event
was refused, matched no route or a function failed; 2 on unreadable input.

Examples:
  npx lakeops put-events examples/deploy-failed.json
  npx lakeops put-events examples/deploy-failed.json --endpoint http://127.0.0.1:4010`,
  async run(args, ctx) {
    const { positionals, values } = parseOptions(args);
    const [file, ...extra] = positionals;
    if (file === undefined) throw new CliUsageError('missing <file> (see lakeops put-events --help)');
    if (extra.length > 0) throw new CliUsageError(`one file at a time (got ${positionals.length})`);
    const text = await readInput(file, ctx.cwd);
    let events: BusEvent[];
    try {
      events = parseEventsInput(text);
    } catch (error) {
      if (error instanceof EventsInputInvalidError) throw new CliUsageError(`${file}: ${error.message}`);
      throw error;
    }
    if (values.endpoint !== undefined) return sendToEndpoint(values.endpoint, events, ctx);
    return putInProcess(events, ctx);
  },
};

function parseOptions(args: readonly string[]) {
  try {
    return parseArgs({
      args: [...args],
      allowPositionals: true,
      options: { endpoint: { type: 'string' } },
    });
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

const label = (event: Pick<BusEvent, 'source' | 'detail-type' | 'id'>, n?: number) =>
  `${n === undefined ? 'event' : `event ${n}`} (${event.source} / ${event['detail-type']}, id ${event.id})`;

/** The embedded path: archive, then deliver in this process; waits for every delivery. */
async function putInProcess(events: BusEvent[], ctx: CommandContext): Promise<number> {
  const config = localConfig(ctx);
  const print = (line: string) => ctx.stdout.write(`  ${line}\n`);
  const runtime = await localRuntime(config, ctx.env, print);
  const labels = new Map<string, string>();
  let failures = 0;
  const onDelivery = (r: DeliveryReport) => {
    const who = `${labels.get(r.eventId) ?? label({ source: r.source, 'detail-type': r.detailType, id: r.eventId })} → ${r.routeId}`;
    const o = r.outcome;
    if (o.kind === 'processed') ctx.stdout.write(`${who}: ${describeResult(o.result)}\n`);
    else if (o.kind === 'parked') {
      failures++;
      ctx.stdout.write(`${who}: ${describeResult({ status: 'parked', code: o.code, message: o.message })}\n`);
    } else if (o.kind === 'retrying') {
      ctx.stdout.write(`${who}: attempt ${r.attempt} failed: ${o.error}; retrying in ${o.delayMs} ms\n`);
    } else {
      failures++;
      ctx.stdout.write(
        `${who}: failed: ${o.error} (parked in the dead-letter place after ${r.attempt} attempts)\n`,
      );
    }
  };
  const bus = await DurableEventBus.open({
    home: config.home,
    rules: runtime.routes.flatMap((r) => (r.kind === 'event' ? [{ id: r.id, pattern: r.pattern }] : [])),
    invoke: (id, event) => runtime.invoke(id, event),
    deadLetter: runtime.deps.deadLetter,
    retry: cliRetries,
    onDelivery,
  });
  try {
    if (bus.resumable > 0)
      ctx.stdout.write(`resuming ${bus.resumable} deliveries left pending by an earlier run\n`);
    bus.resume();
    const results = await bus.put(events.map((event) => ({ event })));
    results.forEach((result, i) => {
      const event = events[i] as BusEvent;
      const name = label(event, i + 1);
      labels.set(event.id, name);
      const routes = result.status === 'rejected' ? [] : result.routes;
      if (result.status !== 'accepted') {
        failures++;
        const why = `${name} quarantined (lake/bronze/_quarantine): ${quarantineMessage(result.reasons)}`;
        if (routes.length > 0) ctx.stderr.write(`lakeops put-events: ${why}\n`);
        else ctx.stdout.write(`${why}\n`);
      }
      if (routes.length === 0) {
        if (result.status === 'accepted') failures++;
        ctx.stderr.write(`lakeops put-events: no route takes ${name}\n`);
      }
    });
    await bus.idle();
  } finally {
    await bus.close();
  }
  return failures === 0 ? 0 : 1;
}

/** The remote path: PutEvents through the AWS SDK to a running endpoint. */
async function sendToEndpoint(endpoint: string, events: BusEvent[], ctx: CommandContext): Promise<number> {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new CliUsageError(`--endpoint '${endpoint}' is not a URL (e.g. http://127.0.0.1:4010)`);
  }
  let answers: Awaited<ReturnType<typeof putEventsToEndpoint>>;
  try {
    answers = await putEventsToEndpoint(url.toString().replace(/\/$/, ''), events, {
      region: localConfig(ctx).region,
    });
  } catch (error) {
    if (error instanceof EndpointRequestFailedError) throw new CliUsageError(error.message, { exitCode: 1 });
    throw error;
  }
  let failures = 0;
  for (const a of answers) {
    const event = events[a.index] as BusEvent;
    const name = `event ${a.index + 1} (${event.source} / ${event['detail-type']})`;
    if ('eventId' in a) ctx.stdout.write(`${name} → accepted, id ${a.eventId}\n`);
    else {
      failures++;
      ctx.stderr.write(`lakeops put-events: ${name} refused: ${a.errorCode}: ${a.errorMessage}\n`);
    }
  }
  return failures === 0 ? 0 : 1;
}

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
