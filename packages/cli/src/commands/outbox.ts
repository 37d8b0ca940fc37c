import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type ParkedMessage, SqsDeadLetter } from '@lakeops/adapters-aws';
import { JsonlDeadLetter, type ParkedLine } from '@lakeops/adapters-local';
import {
  type DeliveryPolicy,
  defaultDeliveryPolicy,
  type ParkedEvent,
  type ParkedNotification,
  parkedNotificationOf,
  type ReceiverNotifiers,
  resendParkedNotification,
} from '@lakeops/core';
import type { Route } from '@lakeops/functions/lib/route';
import { actionOf, CliUsageError, type Command, type CommandContext } from '../command.ts';
import { localConfig } from '../local-config.ts';
import { localNotifiers } from '../local-runtime.ts';
import { awsConfig, routeResolver } from './dead-letter.ts';

/** With --aws: hide each received message this long while its notification is re-sent. */
const visibilitySeconds = 120;

export const outboxCommand: Command = {
  name: 'outbox',
  summary: 'List parked notifications, or send them again (retry)',
  help: `Usage: lakeops outbox list [--json] [--aws]
       lakeops outbox retry [--id <id>]... [--dry-run] [--aws]

Notifications (Slack, PagerDuty, the outbox) that could not be delivered after their retries —
or at once, on a permanent answer such as Slack's 410 — are parked in the dead-letter place
with the reason, under the route that sent them (alert-flush, notify-deploy). retry sends each
again to the channel it was for, with the same key (PagerDuty's dedup_key: an incident that is
open is updated, not opened twice), and removes it only once it went out; one that fails again
stays parked. Locally the notifiers are the environment's (SLACK_WEBHOOK_URL,
PAGERDUTY_ROUTING_KEY, PAGERDUTY_EVENTS_URL; the outbox file otherwise); a parked Slack or
PagerDuty notification is not sent anywhere else when its channel is not configured.

Where (locally): LAKEOPS_HOME/dead-letter/<route>.jsonl (the lines holding a notification).
Where (--aws): the SQS dead-letter queue (--queue-url, else LAKEOPS_DEAD_LETTER_QUEUE_URL, else
"deadLetterQueue" in .sst/outputs.json); the webhook and routing key come from this machine's
environment, as locally.

Options:
  --id <id>           only this notification (an id from list; repeat for several)
  --json              list: one JSON object per line
  --dry-run           retry: say what would be sent, send nothing
  --aws               the deployed dead-letter queue instead of the local files
  --queue-url <url>   with --aws: the queue to read
  -h, --help          show this help

Exit status: 0 when everything selected was listed or sent; 1 when a notification could not be
sent (it stays parked); 2 on a usage mistake.

Examples:
  npx lakeops outbox list
  SLACK_WEBHOOK_URL=https://hooks.slack.com/services/… npx lakeops outbox retry`,
  async run(args, ctx) {
    const { positionals, values } = parseOptions(args);
    const action = actionOf('outbox', positionals, ['list', 'retry'] as const);
    if (action === 'list' && (values.id || values['dry-run']))
      throw new CliUsageError('--id and --dry-run are for retry');
    if (action === 'retry' && values.json) throw new CliUsageError('--json is for list');
    if (!values.aws && values['queue-url'] !== undefined)
      throw new CliUsageError('--queue-url goes with --aws');
    const ids = values.id ?? [];
    const config = localConfig(ctx);
    const notifiers = localNotifiers(config, ctx.env, (line) => ctx.stdout.write(`  ${line}\n`));
    const options = { ids, json: values.json === true, dryRun: values['dry-run'] === true };
    if (values.aws) {
      const { queueUrl, functionNames } = await awsConfig(ctx, values['queue-url']);
      const { routes } = await import('@lakeops/functions/routes');
      const all: readonly Route[] = routes;
      const queue = new SqsDeadLetter({ client: new SQSClient({}), queueUrl });
      return outboxAws(queue, routeResolver(all, functionNames), notifiers, action, options, ctx);
    }
    const deadLetter = new JsonlDeadLetter({ dir: join(config.home, 'dead-letter') });
    return outboxLocal(deadLetter, notifiers, action, options, ctx);
  },
};

function parseOptions(args: readonly string[]) {
  try {
    return parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        id: { type: 'string', multiple: true },
        json: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        aws: { type: 'boolean' },
        'queue-url': { type: 'string' },
      },
    });
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

export interface OutboxOptions {
  readonly ids: readonly string[];
  readonly json: boolean;
  readonly dryRun: boolean;
  /** Retries per notification (tests shorten the waits). */
  readonly policy?: DeliveryPolicy;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** One listing line: where it was for, its key and title (no personal data), why it was parked. */
function describe(id: string, parked: ParkedEvent, n: ParkedNotification) {
  return {
    id,
    routeId: parked.routeId,
    channel: n.channel,
    key: n.notification.key,
    title: n.notification.title,
    parkedAt: parked.parkedAt,
    attempts: parked.attempts,
    reason: { code: parked.reason.code, message: parked.reason.message, retryable: parked.reason.retryable },
  };
}

function print(ctx: Pick<CommandContext, 'stdout'>, json: boolean, d: ReturnType<typeof describe>): void {
  ctx.stdout.write(
    json
      ? `${JSON.stringify(d)}\n`
      : `${d.id}  ${d.channel}  ${d.routeId ?? '?'}  parked ${d.parkedAt}: ${d.reason.code}: ${d.reason.message} — ${d.title} (key ${d.key})\n`,
  );
}

async function resend(
  notifiers: ReceiverNotifiers,
  n: ParkedNotification,
  options: OutboxOptions,
): Promise<{ ok: true } | { ok: false; why: string }> {
  const outcome = await resendParkedNotification(
    {
      notifiers,
      sleep: options.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms))),
      random: Math.random,
      now: () => new Date(),
    },
    n,
    options.policy ?? defaultDeliveryPolicy,
  );
  return outcome.status === 'sent'
    ? { ok: true }
    : { ok: false, why: `${outcome.reason.code}: ${outcome.reason.message}` };
}

/** `outbox list|retry` on the local dead-letter files. */
export async function outboxLocal(
  deadLetter: JsonlDeadLetter,
  notifiers: ReceiverNotifiers,
  action: 'list' | 'retry',
  options: OutboxOptions,
  ctx: Pick<CommandContext, 'stdout' | 'stderr' | 'signal'>,
): Promise<number> {
  const lines = (await deadLetter.list()).flatMap((l: ParkedLine) => {
    if (!l.ok) return [];
    const n = parkedNotificationOf(l.parked);
    return n && (options.ids.length === 0 || options.ids.includes(l.id)) ? [{ line: l, n }] : [];
  });
  const missing = options.ids.filter((id) => !lines.some((x) => x.line.id === id));
  if (missing.length > 0) throw new CliUsageError(`no parked notification with id ${missing.join(', ')}`);
  if (action === 'list') {
    for (const { line, n } of lines) print(ctx, options.json, describe(line.id, line.parked, n));
    if (!options.json)
      ctx.stdout.write(
        `${lines.length === 0 ? 'nothing' : `${lines.length} notification${lines.length === 1 ? '' : 's'}`} parked\n`,
      );
    return 0;
  }
  let sent = 0;
  let failed = 0;
  for (const [i, { line, n }] of lines.entries()) {
    if (ctx.signal.aborted) break;
    const head = `[${i + 1}/${lines.length}] ${line.id} → ${n.channel}: ${n.notification.title}`;
    if (options.dryRun) {
      ctx.stdout.write(`${head}: would send\n`);
      continue;
    }
    const result = await resend(notifiers, n, options);
    if (!result.ok) {
      failed++;
      ctx.stdout.write(`${head}: not sent, stays parked (${result.why})\n`);
      continue;
    }
    await deadLetter.remove(line.file, line.id);
    sent++;
    ctx.stdout.write(`${head}: sent\n`);
  }
  ctx.stdout.write(
    options.dryRun
      ? `would send ${lines.length}\n`
      : `sent ${sent} of ${lines.length}${failed > 0 ? `; ${failed} stay${failed === 1 ? 's' : ''} parked` : ''}\n`,
  );
  return failed === 0 ? 0 : 1;
}

/**
 * `outbox list|retry --aws`: the notifications among the queue's messages; a re-sent one is
 * deleted, every other message is made visible again at the end (events stay for
 * `dead-letter redrive`).
 */
export async function outboxAws(
  queue: Pick<SqsDeadLetter, 'receive' | 'delete' | 'release'>,
  resolver: Parameters<SqsDeadLetter['receive']>[0],
  notifiers: ReceiverNotifiers,
  action: 'list' | 'retry',
  options: OutboxOptions & { readonly max?: number },
  ctx: Pick<CommandContext, 'stdout' | 'stderr' | 'signal'>,
): Promise<number> {
  const keep: string[] = [];
  const max = options.max ?? 1000;
  let seen = 0;
  let picked = 0;
  let sent = 0;
  let failed = 0;
  try {
    while (seen < max && !ctx.signal.aborted) {
      const page: ParkedMessage[] = await queue.receive(resolver, { visibilitySeconds, waitSeconds: 1 });
      if (page.length === 0) break;
      for (const m of page) {
        seen++;
        const n = m.ok ? parkedNotificationOf(m.parked) : undefined;
        if (!m.ok || !n || (options.ids.length > 0 && !options.ids.includes(m.id))) {
          keep.push(m.receiptHandle);
          continue;
        }
        picked++;
        if (action === 'list' || options.dryRun) {
          if (action === 'list') print(ctx, options.json, describe(m.id, m.parked, n));
          else ctx.stdout.write(`[${picked}] ${m.id} → ${n.channel}: would send\n`);
          keep.push(m.receiptHandle);
          continue;
        }
        const result = await resend(notifiers, n, options);
        if (!result.ok) {
          failed++;
          ctx.stdout.write(`[${picked}] ${m.id} → ${n.channel}: not sent, stays parked (${result.why})\n`);
          keep.push(m.receiptHandle);
          continue;
        }
        await queue.delete(m.receiptHandle);
        sent++;
        ctx.stdout.write(`[${picked}] ${m.id} → ${n.channel}: sent\n`);
      }
    }
  } finally {
    if (keep.length > 0) await queue.release(keep);
  }
  if (action === 'list') {
    if (!options.json)
      ctx.stdout.write(
        `${picked === 0 ? 'nothing' : `${picked} notification${picked === 1 ? '' : 's'}`} parked\n`,
      );
    return 0;
  }
  ctx.stdout.write(
    options.dryRun
      ? `would send ${picked}\n`
      : `sent ${sent} of ${picked}${failed > 0 ? `; ${failed} stay${failed === 1 ? 's' : ''} parked` : ''}\n`,
  );
  return failed === 0 ? 0 : 1;
}
