import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type BusEvent,
  type DeliveryReport,
  DurableEventBus,
  EndpointRequestFailedError,
  EventsInputInvalidError,
  PUT_EVENTS_MAX_ENTRIES,
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
                    AWS SDK, in batches of 10; prints the event id or error of each event as
                    its batch is answered. If the endpoint stops answering, prints how many
                    entries were accepted and which were not, e.g. "… 1180 of 2000 entries
                    accepted; not accepted: entries 1181–2000 (not sent or unanswered); send only
                    those with --from-entry 1181". (A batch cut off mid-answer may have been
                    stored: EventBridge gives every PutEvents a new id, so it would be twice.)
  --from-entry <n>  start at entry n of the input (1 = the first); the entries before it are
                    not sent
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
    const fromEntry = values['from-entry'] === undefined ? 1 : Number(values['from-entry']);
    if (!Number.isInteger(fromEntry) || fromEntry < 1 || fromEntry > events.length) {
      throw new CliUsageError(
        `--from-entry must be an entry number from 1 to ${events.length}, got '${values['from-entry']}'`,
      );
    }
    if (values.endpoint !== undefined) return sendToEndpoint(values.endpoint, events, fromEntry, ctx);
    return putInProcess(events.slice(fromEntry - 1), ctx, fromEntry - 1);
  },
};

function parseOptions(args: readonly string[]) {
  try {
    return parseArgs({
      args: [...args],
      allowPositionals: true,
      options: { endpoint: { type: 'string' }, 'from-entry': { type: 'string' } },
    });
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

const label = (event: Pick<BusEvent, 'source' | 'detail-type' | 'id'>, n?: number) =>
  `${n === undefined ? 'event' : `event ${n}`} (${event.source} / ${event['detail-type']}, id ${event.id})`;

/** The embedded path: archive, then deliver in this process; waits for every delivery. */
async function putInProcess(events: BusEvent[], ctx: CommandContext, skipped = 0): Promise<number> {
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
      const name = label(event, skipped + i + 1);
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

/**
 * The remote path: PutEvents through the AWS SDK to a running endpoint, one batch of 10 at a time,
 * each batch's answer printed as it comes. When the endpoint stops answering, says how many entries
 * were accepted and which were not, and how to send only those (`--from-entry`).
 */
async function sendToEndpoint(
  endpoint: string,
  events: BusEvent[],
  fromEntry: number,
  ctx: CommandContext,
): Promise<number> {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new CliUsageError(`--endpoint '${endpoint}' is not a URL (e.g. http://127.0.0.1:4010)`);
  }
  const target = url.toString().replace(/\/$/, '');
  const region = localConfig(ctx).region;
  const first = fromEntry - 1;
  const refused: number[] = [];
  let accepted = 0;
  let stopped: { at: number; reason: string } | undefined;
  for (let start = first; start < events.length && !ctx.signal.aborted; start += PUT_EVENTS_MAX_ENTRIES) {
    const batch = events.slice(start, start + PUT_EVENTS_MAX_ENTRIES);
    let answers: Awaited<ReturnType<typeof putEventsToEndpoint>>;
    try {
      answers = await putEventsToEndpoint(target, batch, { region });
    } catch (error) {
      if (!(error instanceof EndpointRequestFailedError)) throw error;
      stopped = { at: start, reason: error.message };
      break;
    }
    for (const a of answers) {
      const n = start + a.index + 1;
      const event = events[n - 1] as BusEvent;
      const name = `event ${n} (${event.source} / ${event['detail-type']})`;
      if ('eventId' in a) {
        accepted++;
        ctx.stdout.write(`${name} → accepted, id ${a.eventId}\n`);
      } else {
        refused.push(n);
        ctx.stderr.write(`lakeops put-events: ${name} refused: ${a.errorCode}: ${a.errorMessage}\n`);
      }
    }
  }
  if (ctx.signal.aborted && stopped === undefined) {
    const next = first + accepted + refused.length;
    if (next < events.length) stopped = { at: next, reason: 'interrupted' };
  }
  if (!stopped && refused.length === 0) return 0;
  const sent = events.length - first;
  const parts = [`${accepted} of ${sent} entries accepted`];
  const notAccepted: string[] = [];
  const entries = (list: string, one: boolean) => `${one ? 'entry' : 'entries'} ${list}`;
  if (refused.length > 0) notAccepted.push(`${entries(refused.join(', '), refused.length === 1)} (refused)`);
  if (stopped) {
    const range =
      stopped.at + 1 === events.length ? `${events.length}` : `${stopped.at + 1}–${events.length}`;
    notAccepted.push(`${entries(range, stopped.at + 1 === events.length)} (not sent or unanswered)`);
  }
  parts.push(`not accepted: ${notAccepted.join(', ')}`);
  if (stopped) parts.push(`send only those with --from-entry ${stopped.at + 1}`);
  ctx.stderr.write(`lakeops put-events: ${stopped ? `${stopped.reason}; ` : ''}${parts.join('; ')}\n`);
  return 1;
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
