import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type ParkedMessage, type RouteResolver, routeIdFromArn, SqsDeadLetter } from '@lakeops/adapters-aws';
import { JsonlDeadLetter, type ParkedLine } from '@lakeops/adapters-local';
import { type ParkedEvent, parkedEnvelope, parkedNotificationOf } from '@lakeops/core';
import { compilePattern, matchesPattern } from '@lakeops/event-patterns';
import type { Route } from '@lakeops/functions/lib/route';
import { actionOf, CliUsageError, type Command, type CommandContext } from '../command.ts';
import { localConfig } from '../local-config.ts';
import { type LocalRuntime, localRuntime } from '../local-runtime.ts';

/** At most this many messages are read from the queue in one run (`--max` changes it). */
const defaultMax = 1000;
/** list: hide each received message this long so paging moves on; released at the end. */
const listVisibilitySeconds = 30;
/** redrive: long enough for the asynchronous Invoke to be accepted before the message reappears. */
const redriveVisibilitySeconds = 120;

export const deadLetterCommand: Command = {
  name: 'dead-letter',
  summary: 'List parked events, or hand them back to their functions (redrive)',
  help: `Usage: lakeops dead-letter list [--route <id>] [--json] [--aws]
       lakeops dead-letter redrive [--route <id>] [--id <id>]... [--dry-run] [--aws]

Events a function could not process end up in one place, in one shape, whoever parked them:
the function's error policy (a permanent failure), the local bus after its retries, and on
AWS also EventBridge (a rule target that could not be invoked), Lambda (an asynchronous
invocation that kept failing) and EventBridge Scheduler. Only the envelope of an event is
printed (id, source, detail-type), never its detail: it may hold personal data.

  list      one line per parked event: its id, route, who parked it, when, and why.
  redrive   invokes each selected event's function again with the original event; an
            event leaves the dead-letter place only after its function took it, so an
            interrupted redrive loses nothing (an event may then be delivered twice).
            Locally the function runs in this process, through the same chain as on the
            bus; an event it parks again is replaced by the new parked line. On AWS the
            function is invoked asynchronously (InvocationType Event) and the message is
            deleted once Lambda accepted the invocation.

Where (locally): LAKEOPS_HOME/dead-letter/<route>.jsonl.
Where (--aws): the SQS queue at --queue-url, else LAKEOPS_DEAD_LETTER_QUEUE_URL, else
"deadLetterQueue" in .sst/outputs.json (written by sst deploy). The function of a message
is the ARN it names (EventBridge, Scheduler, the function's own parking); otherwise the
route's deployed name from LAKEOPS_FUNCTION_NAMES (JSON: {"<route-id>": "<function name>"})
or "functions" in .sst/outputs.json. Credentials and region: the AWS SDK's usual chain.

Options:
  --route <id>        only the events of this route
  --id <id>           only this event (an id from list; repeat for several)
  --json              list: one JSON object per line
  --dry-run           redrive: say what would be redriven, change nothing
  --aws               the deployed dead-letter queue instead of the local files
  --queue-url <url>   with --aws: the queue to read
  --max <n>           with --aws: read at most n messages (default ${defaultMax})
  -h, --help          show this help

Exit status: 0 when everything selected was listed or redriven; 1 when an event could not
be redriven (it stays parked); 2 on a usage mistake.

Examples:
  npx lakeops dead-letter list
  npx lakeops dead-letter redrive --route notify-deploy --dry-run
  npx lakeops dead-letter list --aws --json`,
  async run(args, ctx) {
    const { positionals, values } = parseOptions(args);
    const action = actionOf('dead-letter', positionals, ['list', 'redrive'] as const);
    if (action === 'list' && (values.id || values['dry-run']))
      throw new CliUsageError('--id and --dry-run are for redrive');
    if (action === 'redrive' && values.json) throw new CliUsageError('--json is for list');
    if (!values.aws && (values['queue-url'] !== undefined || values.max !== undefined))
      throw new CliUsageError('--queue-url and --max go with --aws');
    const { routes } = await import('@lakeops/functions/routes');
    const all: readonly Route[] = routes;
    if (values.route !== undefined && !all.some((r) => r.id === values.route)) {
      throw new CliUsageError(`no route '${values.route}' (routes: ${all.map((r) => r.id).join(', ')})`);
    }
    const selection: Selection = { route: values.route, ids: values.id ?? [] };
    if (values.aws) {
      const max = values.max === undefined ? defaultMax : Number(values.max);
      if (!Number.isInteger(max) || max < 1)
        throw new CliUsageError(`--max '${values.max}' is not a positive number`);
      const config = await awsConfig(ctx, values['queue-url']);
      const aws: AwsDeadLetter = {
        deadLetter: new SqsDeadLetter({ client: new SQSClient({}), queueUrl: config.queueUrl }),
        lambda: new LambdaClient({}),
        resolver: routeResolver(all, config.functionNames),
        functionNames: config.functionNames,
      };
      return action === 'list'
        ? listAws(aws, selection, { json: values.json === true, max }, ctx)
        : redriveAws(aws, selection, { dryRun: values['dry-run'] === true, max }, ctx);
    }
    const dir = join(localConfig(ctx).home, 'dead-letter');
    const deadLetter = new JsonlDeadLetter({ dir });
    if (action === 'list') return listLocal(deadLetter, selection, { json: values.json === true }, ctx);
    const print = (line: string) => ctx.stdout.write(`  ${line}\n`);
    const runtime = await localRuntime(localConfig(ctx), ctx.env, print);
    return redriveLocal(deadLetter, runtime, selection, { dryRun: values['dry-run'] === true }, ctx);
  },
};

function parseOptions(args: readonly string[]) {
  try {
    return parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        route: { type: 'string' },
        id: { type: 'string', multiple: true },
        json: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        aws: { type: 'boolean' },
        'queue-url': { type: 'string' },
        max: { type: 'string' },
      },
    });
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/** What the user picked: one route and/or some ids (nothing = everything). */
export interface Selection {
  readonly route: string | undefined;
  readonly ids: readonly string[];
}

const selected = (s: Selection, id: string, parked: ParkedEvent | undefined) =>
  (s.ids.length === 0 || s.ids.includes(id)) && (s.route === undefined || parked?.routeId === s.route);

/** One listing line (or JSON object): never the event's detail. */
function describeParked(id: string, parked: ParkedEvent) {
  const envelope = parkedEnvelope(parked);
  return {
    id,
    routeId: parked.routeId,
    parkedBy: parked.parkedBy,
    parkedAt: parked.parkedAt,
    attempts: parked.attempts,
    reason: { code: parked.reason.code, message: parked.reason.message, retryable: parked.reason.retryable },
    event: envelope,
  };
}

function printEntry(
  ctx: Pick<CommandContext, 'stdout'>,
  json: boolean,
  id: string,
  parked: ParkedEvent,
): void {
  const d = describeParked(id, parked);
  if (json) {
    ctx.stdout.write(`${JSON.stringify(d)}\n`);
    return;
  }
  const what = `${d.event.source ?? '?'} / ${d.event.detailType ?? '?'}, event id ${d.event.id ?? '?'}`;
  const attempts = d.attempts === null ? '' : `, ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}`;
  ctx.stdout.write(
    `${id}  ${d.routeId ?? '(unknown route)'}  parked by ${d.parkedBy} at ${d.parkedAt}${attempts}: ${d.reason.code}: ${d.reason.message} (${what})\n`,
  );
}

function printUnreadable(
  ctx: Pick<CommandContext, 'stdout'>,
  json: boolean,
  id: string,
  problem: string,
): void {
  ctx.stdout.write(
    json ? `${JSON.stringify({ id, unreadable: problem })}\n` : `${id}  unreadable: ${problem}\n`,
  );
}

/** `list` on the local files. */
export async function listLocal(
  deadLetter: JsonlDeadLetter,
  selection: Selection,
  options: { json: boolean },
  ctx: Pick<CommandContext, 'stdout' | 'stderr'>,
): Promise<number> {
  const lines = (await deadLetter.list()).filter((l) =>
    selected(selection, l.id, l.ok ? l.parked : undefined),
  );
  for (const l of lines) {
    if (l.ok) printEntry(ctx, options.json, l.id, l.parked);
    else printUnreadable(ctx, options.json, l.id, l.problem);
  }
  if (!options.json) ctx.stdout.write(`${countLine(lines.length, lines.filter((l) => !l.ok).length)}\n`);
  return 0;
}

const countLine = (n: number, unreadable: number) =>
  `${n === 0 ? 'nothing' : `${n} event${n === 1 ? '' : 's'}`} parked${unreadable > 0 ? ` (${unreadable} unreadable)` : ''}`;

/**
 * `redrive` on the local files: each selected event goes back to its route's function through
 * the local runtime (the bus's own invoke); its line is removed only after the function
 * returned — processed, or parked again (then the new line replaces it).
 */
export async function redriveLocal(
  deadLetter: JsonlDeadLetter,
  runtime: Pick<LocalRuntime, 'invoke'>,
  selection: Selection,
  options: { dryRun: boolean },
  ctx: Pick<CommandContext, 'stdout' | 'stderr' | 'signal'>,
): Promise<number> {
  const lines = (await deadLetter.list()).filter(
    (l): l is Extract<ParkedLine, { ok: true }> => l.ok && selected(selection, l.id, l.parked),
  );
  if (selection.ids.length > 0) {
    const missing = selection.ids.filter((id) => !lines.some((l) => l.id === id));
    if (missing.length > 0) throw new CliUsageError(`no parked event with id ${missing.join(', ')}`);
  }
  let done = 0;
  let failed = 0;
  for (const [n, l] of lines.entries()) {
    if (ctx.signal.aborted) break;
    const head = `[${n + 1}/${lines.length}] ${l.id} → ${l.parked.routeId ?? '(unknown route)'}`;
    const event = l.parked.event;
    if (parkedNotificationOf(l.parked)) {
      failed++;
      ctx.stdout.write(`${head}: skipped (a notification: lakeops outbox retry sends it again)\n`);
      continue;
    }
    if (l.parked.routeId === null || typeof event !== 'object' || event === null || Array.isArray(event)) {
      failed++;
      ctx.stdout.write(`${head}: skipped (${l.parked.routeId === null ? 'no route' : 'not an event'})\n`);
      continue;
    }
    if (options.dryRun) {
      ctx.stdout.write(`${head}: would redrive\n`);
      continue;
    }
    let result: unknown;
    try {
      result = await runtime.invoke(l.parked.routeId, event as Record<string, unknown>);
    } catch (error) {
      failed++;
      ctx.stdout.write(
        `${head}: failed, stays parked: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      continue;
    }
    await deadLetter.remove(l.file, l.id);
    done++;
    const status = (result as { status?: unknown } | null)?.status;
    if (status === 'parked') {
      failed++;
      const r = result as { code?: string; message?: string };
      ctx.stdout.write(`${head}: parked again (${r.code}: ${r.message})\n`);
    } else ctx.stdout.write(`${head}: processed\n`);
  }
  ctx.stdout.write(
    options.dryRun
      ? `would redrive ${lines.length} event${lines.length === 1 ? '' : 's'}\n`
      : `redriven ${done} of ${lines.length}${failed > 0 ? `; ${failed} not processed` : ''}\n`,
  );
  return failed === 0 ? 0 : 1;
}

/** The AWS side of the command: the queue, the Lambda client, and how to name routes. */
export interface AwsDeadLetter {
  readonly deadLetter: Pick<SqsDeadLetter, 'receive' | 'delete' | 'release'>;
  readonly lambda: Pick<LambdaClient, 'send'>;
  readonly resolver: RouteResolver;
  readonly functionNames: Readonly<Record<string, string>>;
}

/**
 * Reads every message (pages of 10, each hidden for a short while so the next page moves on,
 * up to `max`), passes each to `visit`, then makes the ones not deleted visible again.
 */
async function eachMessage(
  aws: AwsDeadLetter,
  visibilitySeconds: number,
  max: number,
  ctx: Pick<CommandContext, 'stderr' | 'signal'>,
  visit: (m: ParkedMessage) => Promise<'keep' | 'deleted'>,
): Promise<number> {
  const keep: string[] = [];
  let seen = 0;
  let nextProgress = 50;
  try {
    while (seen < max && !ctx.signal.aborted) {
      const page = await aws.deadLetter.receive(aws.resolver, { visibilitySeconds, waitSeconds: 1 });
      if (page.length === 0) break;
      for (const m of page) {
        seen++;
        if (seen > max || (await visit(m)) === 'keep') keep.push(m.receiptHandle);
      }
      if (seen >= nextProgress) {
        ctx.stderr.write(`… ${Math.min(seen, max)} messages read\n`);
        nextProgress += 50;
      }
    }
  } finally {
    if (keep.length > 0) await aws.deadLetter.release(keep);
  }
  return Math.min(seen, max);
}

/** `list --aws`: every message of the queue, read without deleting any. */
export async function listAws(
  aws: AwsDeadLetter,
  selection: Selection,
  options: { json: boolean; max: number },
  ctx: Pick<CommandContext, 'stdout' | 'stderr' | 'signal'>,
): Promise<number> {
  let shown = 0;
  let unreadable = 0;
  const seen = await eachMessage(aws, listVisibilitySeconds, options.max, ctx, async (m) => {
    if (!selected(selection, m.id, m.ok ? m.parked : undefined)) return 'keep';
    shown++;
    if (m.ok) printEntry(ctx, options.json, m.id, m.parked);
    else {
      unreadable++;
      printUnreadable(ctx, options.json, m.id, m.problem);
    }
    return 'keep';
  });
  if (!options.json) {
    ctx.stdout.write(
      `${countLine(shown, unreadable)}${seen >= options.max ? ` (stopped after ${options.max} messages; --max)` : ''}\n`,
    );
  }
  return 0;
}

/**
 * `redrive --aws`: for each selected message, an asynchronous Invoke of its function with the
 * original event; the message is deleted only when Lambda answered 202 (accepted), otherwise
 * it stays in the queue and is made visible again at the end.
 */
export async function redriveAws(
  aws: AwsDeadLetter,
  selection: Selection,
  options: { dryRun: boolean; max: number },
  ctx: Pick<CommandContext, 'stdout' | 'stderr' | 'signal'>,
): Promise<number> {
  let picked = 0;
  const pickedIds = new Set<string>();
  let done = 0;
  let failed = 0;
  await eachMessage(aws, redriveVisibilitySeconds, options.max, ctx, async (m) => {
    if (!m.ok || !selected(selection, m.id, m.parked) || parkedNotificationOf(m.parked)) return 'keep';
    picked++;
    pickedIds.add(m.id);
    const head = `[${picked}] ${m.id} → ${m.parked.routeId ?? '(unknown route)'}`;
    const functionName =
      m.parked.functionArn ?? (m.parked.routeId ? aws.functionNames[m.parked.routeId] : undefined);
    if (functionName === undefined) {
      failed++;
      ctx.stdout.write(
        `${head}: no function known (the message names none; set LAKEOPS_FUNCTION_NAMES), stays parked\n`,
      );
      return 'keep';
    }
    if (options.dryRun) {
      ctx.stdout.write(`${head}: would invoke ${functionName}\n`);
      return 'keep';
    }
    try {
      const out = await aws.lambda.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'Event',
          Payload: new TextEncoder().encode(JSON.stringify(m.parked.event)),
        }),
      );
      if (out.StatusCode !== 202) throw new Error(`Lambda answered ${out.StatusCode ?? 'no status'}`);
    } catch (error) {
      failed++;
      ctx.stdout.write(
        `${head}: invoke failed, stays parked: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      return 'keep';
    }
    await aws.deadLetter.delete(m.receiptHandle);
    done++;
    ctx.stdout.write(`${head}: handed to ${functionName}\n`);
    return 'deleted';
  });
  ctx.stdout.write(
    options.dryRun
      ? `would redrive ${picked} event${picked === 1 ? '' : 's'}\n`
      : `redriven ${done} of ${picked}${failed > 0 ? `; ${failed} stay${failed === 1 ? 's' : ''} parked` : ''}\n`,
  );
  const missing = selection.ids.filter((id) => !pickedIds.has(id));
  if (missing.length > 0) ctx.stdout.write(`not found in the queue: ${missing.join(', ')}\n`);
  return failed === 0 && missing.length === 0 ? 0 : 1;
}

/**
 * Names the route of a message: from an ARN (the deployed function names first, then SST's
 * naming), or, for Lambda's own dead-letter queue which records no ARN, from the event — the
 * one event route whose pattern matches it, or the schedule named in a Scheduler event.
 */
export function routeResolver(
  routes: readonly Route[],
  functionNames: Readonly<Record<string, string>> = {},
): RouteResolver {
  const ids = routes.map((r) => r.id);
  const patterns = routes.flatMap((r) =>
    r.kind === 'event' ? [{ id: r.id, compiled: compilePattern(r.pattern) }] : [],
  );
  const routeOfArn = (arn: string) => routeIdFromArn(arn, ids, functionNames);
  return {
    routeOfArn,
    routeOfEvent(event) {
      const e = (event as { source?: unknown; resources?: unknown } | null) ?? {};
      if (e.source === 'aws.scheduler' && Array.isArray(e.resources)) {
        const arn = e.resources.find((r): r is string => typeof r === 'string');
        if (arn) return routeOfArn(arn);
      }
      const matching = patterns.filter((p) => matchesPattern(p.compiled, event)).map((p) => p.id);
      return matching.length === 1 ? matching[0] : undefined;
    },
  };
}

/** The queue URL and deployed function names for `--aws` (flag, environment, SST outputs). */
export async function awsConfig(
  ctx: Pick<CommandContext, 'env' | 'cwd'>,
  queueUrlFlag: string | undefined,
): Promise<{ queueUrl: string; functionNames: Record<string, string> }> {
  let outputs: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(await readFile(join(ctx.cwd, '.sst', 'outputs.json'), 'utf8'));
    if (typeof parsed === 'object' && parsed !== null) outputs = parsed as Record<string, unknown>;
  } catch {
    // no deploy outputs here: the flag or the environment must say
  }
  const queueUrl =
    queueUrlFlag ??
    (ctx.env.LAKEOPS_DEAD_LETTER_QUEUE_URL || undefined) ??
    (typeof outputs.deadLetterQueue === 'string' ? outputs.deadLetterQueue : undefined);
  if (!queueUrl) {
    throw new CliUsageError(
      'no dead-letter queue: pass --queue-url, set LAKEOPS_DEAD_LETTER_QUEUE_URL, or run where .sst/outputs.json has deadLetterQueue',
    );
  }
  let functionNames: unknown = outputs.functions ?? {};
  if (ctx.env.LAKEOPS_FUNCTION_NAMES) {
    try {
      functionNames = JSON.parse(ctx.env.LAKEOPS_FUNCTION_NAMES);
    } catch {
      throw new CliUsageError(
        'LAKEOPS_FUNCTION_NAMES is not JSON (expected {"<route-id>": "<function name>"})',
      );
    }
  }
  const names: Record<string, string> = {};
  if (typeof functionNames === 'object' && functionNames !== null) {
    for (const [k, v] of Object.entries(functionNames)) if (typeof v === 'string') names[k] = v;
  }
  return { queueUrl, functionNames: names };
}
