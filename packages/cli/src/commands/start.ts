import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type DeliveryReport,
  DurableEventBus,
  EventBridgeEndpoint,
  LakeFormationEndpoint,
  LocalScheduler,
  type PutEventsReport,
  ScheduleExpressionInvalidError,
  scheduledEvent,
} from '@lakeops/local-cloud';
import { CliUsageError, type Command } from '../command.ts';
import { ensureDemoLake, progressPrinter } from '../lake.ts';
import { localConfig } from '../local-config.ts';
import { localRuntime } from '../local-runtime.ts';
import { lakeFormationCatalog, lakeStage } from '../permissions-policy.ts';
import { describeResult } from '../print.ts';
import { acquireStartLock, HomeInUseError } from '../start-lock.ts';

/** Schedules retry like `sst.aws.CronV2` with `retries: 2` (stacks/schedules.ts): 3 attempts. */
const SCHEDULE_ATTEMPTS = 3;

export const startCommand: Command = {
  name: 'start',
  summary: 'Run the local platform: EventBridge endpoint, schedules and functions',
  help: `Usage: lakeops start [options]

Runs the embedded platform until Ctrl-C:
  - a local EventBridge endpoint on http://127.0.0.1:<port> (PutEvents, TestEventPattern,
    ListRules, DescribeRule) that the AWS SDK and CLI talk to with --endpoint-url;
  - every accepted event archived in Bronze (LAKEOPS_HOME/lake/bronze/events/…); one that
    breaks its contract is accepted too, as EventBridge would, and archived in the quarantine
    (lake/bronze/_quarantine/…) with its reasons; then each is delivered to the functions
    whose route patterns match, with retries and a dead-letter place; deliveries pending at a
    crash resume on start;
  - the schedule routes of functions/routes.ts on their cron()/rate() expressions.
It prints each event routed and each function run (ids and types, never payloads).

Options:
  --port <n>    port of the endpoint (default LAKEOPS_PORT, else 4010; 0 picks a free one)
  --no-seed     do not seed the demo lake on first run
  --strict-contracts
                refuse at PutEvents (InvalidArgument) an event that breaks its contract,
                instead of accepting and quarantining it as EventBridge + the archive would
  -h, --help    show this help

LAKEOPS_SCHEDULE_SPEED=<n> (local only) runs schedule time n times faster: at 300,
rate(5 minutes) fires every second (the functions still see the real time).

One start per LAKEOPS_HOME: a second one is refused, naming the PID of the first (a lock the
operating system releases when that process ends, even by a crash).

Example:
  npm start
  aws events put-events --endpoint-url http://127.0.0.1:4010 --entries file://examples/deploy-failed.json`,
  async run(args, ctx) {
    const { values } = parseOptions(args);
    const config = localConfig(ctx);
    const port = values.port === undefined ? config.port : Number(values.port);
    if (
      (values.port !== undefined && !/^\d+$/.test(values.port)) ||
      !Number.isInteger(port) ||
      port > 65535
    ) {
      throw new CliUsageError(`--port must be a port number (0-65535), got '${values.port}'`);
    }
    using _lock = lockHome(config.home);
    const out = (line: string) => ctx.stdout.write(`${line}\n`);
    out(`lakeops local platform (home ${config.home})`);

    if (values['no-seed'] !== true) {
      // First run: a 14-day demo marketplace in Bronze, Silver and Gold, so there is a lake to
      // operate on. Returns at once when a lake is already there.
      let demo: Awaited<ReturnType<typeof ensureDemoLake>>;
      try {
        demo = await ensureDemoLake({
          home: config.home,
          progress: progressPrinter(ctx.stderr),
          signal: ctx.signal,
        });
      } catch (error) {
        if (!ctx.signal.aborted) throw error;
        // Ctrl-C during the first seed: nothing half-made is kept as a lake; the next start seeds again.
        ctx.stderr.write(
          '\nlakeops start: stopped while seeding the demo lake; `npm start` seeds it again\n',
        );
        return 130;
      }
      if (demo.seeded) out('seeded a 14-day demo lake (lakeops seed --days 14 --users 5000 --seed 42)');
      else if (demo.built) out('built Silver and Gold from the Bronze already there');
    }

    let endpointUrl: string | undefined;
    const runtime = await localRuntime(config, ctx.env, (line) => out(`    ${line}`), {
      // lakeops' own events (nrt.refreshed, alarm.triggered, …) go through this endpoint once it listens.
      eventsEndpoint: () => endpointUrl,
    });
    const eventRules = runtime.routes.flatMap((r) =>
      r.kind === 'event' ? [{ id: r.id, pattern: r.pattern, description: r.description }] : [],
    );
    const scheduleRules = runtime.routes.flatMap((r) =>
      r.kind === 'schedule'
        ? [{ id: r.id, schedule: r.schedule, ...(r.timezone ? { timezone: r.timezone } : {}) }]
        : [],
    );
    const bus = await DurableEventBus.open({
      home: config.home,
      rules: eventRules,
      invoke: (id, event) => runtime.invoke(id, event),
      deadLetter: runtime.deps.deadLetter,
      onDelivery: (r) => out(deliveryLine(r)),
    });
    let scheduler: LocalScheduler;
    try {
      scheduler = new LocalScheduler({
        rules: scheduleRules,
        // Local only: LAKEOPS_SCHEDULE_SPEED=300 makes rate(5 minutes) fire every second.
        ...(ctx.env.LAKEOPS_SCHEDULE_SPEED ? { speed: Number(ctx.env.LAKEOPS_SCHEDULE_SPEED) } : {}),
        fire: async (id, at) => {
          const event = scheduledEvent(id, at);
          out(`  schedule ${id} due ${at.toISOString()} → invoking (event ${event.id})`);
          await bus.deliver(id, event, SCHEDULE_ATTEMPTS);
        },
      });
    } catch (error) {
      await bus.close();
      if (error instanceof ScheduleExpressionInvalidError || error instanceof RangeError)
        throw new CliUsageError(error.message, { exitCode: 1 });
      throw error;
    }
    // The local Lake Formation endpoint shares the port (REST-JSON, no X-Amz-Target).
    const lakeFormation = LakeFormationEndpoint.open({
      file: join(config.home, 'state', 'lakeformation.sqlite'),
      catalog: lakeFormationCatalog(lakeStage(ctx.env)),
    });
    let endpoint: EventBridgeEndpoint;
    try {
      endpoint = await EventBridgeEndpoint.start({
        bus,
        port,
        strictContracts: values['strict-contracts'] === true,
        onPutEvents: (r) => putLines(r).forEach(out),
        otherService: lakeFormation,
      });
    } catch (error) {
      await bus.close();
      lakeFormation.close();
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new CliUsageError(
          `port ${port} is in use (is lakeops start already running? use --port or LAKEOPS_PORT)`,
          {
            exitCode: 1,
            cause: error,
          },
        );
      }
      throw error;
    }
    endpointUrl = endpoint.url;
    scheduler.start();
    out(`  endpoint   ${endpoint.url}  (EventBridge: PutEvents, TestEventPattern, ListRules, DescribeRule)`);
    out(`  lake formation ${endpoint.url}  (REST-JSON: perms plan|apply, aws lakeformation --endpoint-url)`);
    out(`  rules      ${eventRules.map((r) => r.id).join(', ') || '(none)'}`);
    const next = scheduler.nextRuns();
    out(
      `  schedules  ${scheduleRules.length === 0 ? '(none)' : next.map((n) => `${n.routeId} next ${n.at.toISOString()}`).join(', ')}`,
    );
    out(`  bronze     ${config.home}/lake/bronze/events/`);
    out('Try it (any credentials work):');
    out(
      `  aws events put-events --endpoint-url ${endpoint.url} --region us-east-1 --entries file://examples/deploy-failed.json`,
    );
    out(`  npx lakeops put-events examples/deploy-failed.json --endpoint ${endpoint.url}`);
    if (bus.resumable > 0) out(`Resuming ${bus.resumable} deliveries left pending by an earlier run.`);
    bus.resume();
    out('Ready. Ctrl-C stops.');

    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    out('Stopping: closing the endpoint, letting running functions finish…');
    scheduler.stop();
    await endpoint.close();
    lakeFormation.close();
    const left = bus.pendingDeliveries;
    await bus.close();
    out(left > 0 ? `Stopped; ${left} deliveries stay journaled for the next start.` : 'Stopped.');
    return 0;
  },
};

/** One start per home (see start-lock.ts); released when `run` returns or throws. */
function lockHome(home: string): Disposable {
  try {
    const lock = acquireStartLock(home);
    return { [Symbol.dispose]: () => lock.release() };
  } catch (error) {
    if (error instanceof HomeInUseError)
      throw new CliUsageError(error.message, { exitCode: 1, cause: error });
    throw error;
  }
}

function parseOptions(args: readonly string[]) {
  try {
    return parseArgs({
      args: [...args],
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        'no-seed': { type: 'boolean' },
        'strict-contracts': { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

function putLines(report: PutEventsReport): string[] {
  return report.entries.map((e) => {
    const what = `${e.source} / ${e.detailType}`;
    if (e.error) return `← ${what} refused (${e.error})`;
    const routes = e.routes.length > 0 ? `→ ${e.routes.join(', ')}` : '→ no route (archived only)';
    const quarantined = e.quarantined ? ' (broke its contract: quarantined)' : '';
    return `← event ${e.eventId} ${what}${quarantined} ${routes}`;
  });
}

function deliveryLine(r: DeliveryReport): string {
  const head = `  ${r.routeId} ← event ${r.eventId}`;
  const o = r.outcome;
  switch (o.kind) {
    case 'processed':
      return `${head}: ${describeResult(o.result)}${r.attempt > 1 ? ` (attempt ${r.attempt})` : ''}`;
    case 'parked':
      return `${head}: ${describeResult({ status: 'parked', code: o.code, message: o.message })}`;
    case 'retrying':
      return `${head}: attempt ${r.attempt} failed (${o.error}); retrying in ${Math.round(o.delayMs / 100) / 10}s`;
    case 'dead-lettered':
      return `${head}: failed ${r.attempt} times (${o.error}); parked in the dead-letter place`;
  }
}
