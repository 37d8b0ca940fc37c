import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LakeFormationClient } from '@aws-sdk/client-lakeformation';
import { EventBridgeEventPublisher, LakeFormationPermissions } from '@lakeops/adapters-aws';
import {
  formatPlan,
  LakeopsError,
  type PermissionsSyncCompletedDetail,
  permissionsEventsOn,
  planIsEmpty,
  reviewPermissions,
  syncPermissions,
  systemClock,
} from '@lakeops/core';
import { localEndpointClientConfig, putEventsToEndpoint } from '@lakeops/local-cloud';
import { CliUsageError, type Command, type CommandContext } from '../command.ts';
import { localConfig } from '../local-config.ts';
import { LOCAL_CATALOG_ID } from '../local-runtime.ts';
import { DEFAULT_POLICY_FILE, lakeStage, loadDesiredPermissions } from '../permissions-policy.ts';

export const permsCommand: Command = {
  name: 'perms',
  summary: 'Plan or apply the Lake Formation permissions of permissions/policy.ts',
  help: `Usage: lakeops perms plan [--detailed-exitcode] [options]
       lakeops perms apply [--force] [options]

Keeps Lake Formation in line with the policy in the repo (${DEFAULT_POLICY_FILE}): database,
table and column grants (SELECT, DESCRIBE) and row filters as data cells filters, per stage.
The policy is checked against its JSON Schema, the table catalog and the privacy rules first;
errors name the file, the principal and the column. Only the principals and tables the
policy declares are touched (lakeops__* data cells filters on those tables); nothing else.

  plan    prints the diff: "+" grant, "-" revoke, "~" filter change; changes nothing.
  apply   applies it: BatchRevokePermissions / BatchGrantPermissions in chunks of 20, failed
          entries retried with backoff, then sends permissions.sync.completed (source
          lakeops.governance) to the local bus, or with --aws to the lakeops bus on EventBridge.

By default both talk to the local Lake Formation endpoint of \`lakeops start\` (LAKEOPS_PORT).

Options:
  --detailed-exitcode      plan: exit 0 when nothing would change, 2 when something would
  --force                  apply: even when the guard refuses (empty policy, or more than
                           --max-revoke-share of the managed grants revoked)
  --max-revoke-share <x>   the guard's share, 0..1 (default 0.5)
  --policy <file>          the policy file (default ${DEFAULT_POLICY_FILE})
  --stage <name>           the SST stage whose databases are meant (default LAKEOPS_STAGE, else dev)
  --endpoint <url>         the local endpoint (default http://127.0.0.1:<LAKEOPS_PORT>)
  --aws                    AWS Lake Formation with the SDK's usual credentials and region
  --catalog-id <id>        with --aws: the Data Catalog (account id; default LAKEOPS_CATALOG_ID)
  --event-bus <name>       with --aws, apply: the bus permissions.sync.completed is put on
                           (default LAKEOPS_EVENT_BUS_NAME, else "bus" in .sst/outputs.json)
  -h, --help               show this help

Exit status: 0 done (plan: no changes, with --detailed-exitcode); 2 plan has changes (with
--detailed-exitcode) or bad usage; 1 refused or failed (the reason on one line).

Example:
  npx lakeops perms plan --detailed-exitcode
  npx lakeops perms apply`,
  async run(args, ctx) {
    const [sub, ...rest] = args;
    if (sub !== 'plan' && sub !== 'apply') {
      throw new CliUsageError(`expected 'plan' or 'apply', got '${sub ?? ''}' (see lakeops perms --help)`);
    }
    const values = parseOptions(rest);
    if (sub === 'plan' && values.force) throw new CliUsageError('--force belongs to apply');
    if (sub === 'apply' && values['detailed-exitcode'])
      throw new CliUsageError('--detailed-exitcode belongs to plan');
    const share = values['max-revoke-share'] === undefined ? 0.5 : Number(values['max-revoke-share']);
    if (!(share >= 0 && share <= 1)) {
      throw new CliUsageError(
        `--max-revoke-share must be between 0 and 1, got '${values['max-revoke-share']}'`,
      );
    }
    const stage = values.stage ?? lakeStage(ctx.env);
    const out = (line: string) => ctx.stdout.write(`${line}\n`);

    const { desired, names } = await loadDesiredPermissions(
      values.policy ?? DEFAULT_POLICY_FILE,
      ctx.cwd,
      stage,
    ).catch((error: unknown) => {
      if (error instanceof LakeopsError)
        throw new CliUsageError(error.message, { exitCode: 1, cause: error });
      throw new CliUsageError(
        `cannot read the policy: ${error instanceof Error ? error.message : String(error)}`,
        {
          exitCode: 1,
          cause: error,
        },
      );
    });
    const target = await lakeFormationTarget(values, ctx, sub);
    try {
      if (sub === 'plan') {
        const review = await reviewPermissions(
          { lakePermissions: target.lakePermissions },
          { desired, maxRevokeShare: share },
        );
        out(`Lake Formation ${target.where}, stage ${stage}`);
        out(planIsEmpty(review.plan) ? 'No changes.' : formatPlan(review.plan, names));
        if (review.refusal !== undefined)
          out(`Warning: apply would refuse without --force: ${review.refusal}`);
        if (review.iamFallback.length > 0) {
          out(
            `Warning: IAMAllowedPrincipals still grants ${review.iamFallback.join(', ')}: fine-grained grants do nothing there`,
          );
        }
        return values['detailed-exitcode'] && !planIsEmpty(review.plan) ? 2 : 0;
      }
      const result = await syncPermissions(
        {
          lakePermissions: target.lakePermissions,
          events: target.events,
          clock: systemClock,
          sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
          random: Math.random,
        },
        {
          desired,
          force: values.force === true,
          maxRevokeShare: share,
          trigger: 'manual',
          environment: stage,
        },
      );
      out(`Lake Formation ${target.where}, stage ${stage}`);
      out(planIsEmpty(result.plan) ? 'No changes.' : formatPlan(result.plan, names));
      const calls = Object.entries(result.calls)
        .map(([op, n]) => `${op} ${n}`)
        .join(', ');
      out(
        `Applied (plan ${result.planSha256.slice(0, 12)}; calls: ${calls}${result.retried > 0 ? `; ${result.retried} entries retried` : ''}).`,
      );
      return 0;
    } catch (error) {
      if (error instanceof CliUsageError) throw error;
      if (!values.aws && refused(error)) {
        throw new CliUsageError(
          `no Lake Formation endpoint at ${target.where.replace(/^at /, '')} (is lakeops start running?)`,
          {
            exitCode: 1,
            cause: error,
          },
        );
      }
      if (error instanceof LakeopsError)
        throw new CliUsageError(error.message, { exitCode: 1, cause: error });
      throw error;
    } finally {
      target.close();
    }
  },
};

async function lakeFormationTarget(
  values: ReturnType<typeof parseOptions>,
  ctx: CommandContext,
  sub: 'plan' | 'apply',
) {
  const config = localConfig(ctx);
  if (values.aws) {
    const catalogId = values['catalog-id'] ?? ctx.env.LAKEOPS_CATALOG_ID;
    if (!catalogId || !/^\d{12}$/.test(catalogId)) {
      throw new CliUsageError(
        '--aws needs the Data Catalog id: --catalog-id <12 digits> or LAKEOPS_CATALOG_ID',
      );
    }
    // apply publishes permissions.sync.completed: the bus is known before anything changes.
    const eventBusName = sub === 'apply' ? await awsEventBus(values, ctx) : undefined;
    const client = new LakeFormationClient({});
    const bus = eventBusName === undefined ? undefined : { client: new EventBridgeClient({}), eventBusName };
    return {
      where: `on AWS (catalog ${catalogId})`,
      lakePermissions: new LakeFormationPermissions(client, { catalogId }),
      // plan publishes nothing.
      events: bus
        ? permissionsEventsOn(new EventBridgeEventPublisher(bus))
        : { syncCompleted: async () => undefined },
      close: () => {
        client.destroy();
        bus?.client.destroy();
      },
    };
  }
  const endpoint = values.endpoint ?? `http://127.0.0.1:${config.port}`;
  const client = new LakeFormationClient({
    ...localEndpointClientConfig(endpoint, config.region),
    maxAttempts: 1,
  });
  const publish = async (detail: PermissionsSyncCompletedDetail) => {
    const sent = await putEventsToEndpoint(endpoint, [
      {
        version: '0',
        id: randomUUID(),
        'detail-type': 'permissions.sync.completed',
        source: 'lakeops.governance',
        account: LOCAL_CATALOG_ID,
        time: detail.completed_at,
        region: config.region,
        resources: [],
        detail,
      },
    ]).catch((error: unknown) => {
      throw new CliUsageError(`applied, but permissions.sync.completed could not be sent: ${String(error)}`, {
        exitCode: 1,
        cause: error,
      });
    });
    const failed = sent.find((e) => 'errorCode' in e);
    if (failed && 'errorCode' in failed) {
      throw new CliUsageError(
        `applied, but the local bus refused permissions.sync.completed (${failed.errorCode})`,
        {
          exitCode: 1,
        },
      );
    }
  };
  return {
    where: `at ${endpoint}`,
    lakePermissions: new LakeFormationPermissions(client, { catalogId: LOCAL_CATALOG_ID }),
    events: { syncCompleted: publish },
    close: () => client.destroy(),
  };
}

/** The lakeops bus for `apply --aws`: --event-bus, LAKEOPS_EVENT_BUS_NAME, or the SST outputs. */
async function awsEventBus(values: ReturnType<typeof parseOptions>, ctx: CommandContext): Promise<string> {
  let outputs: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(await readFile(join(ctx.cwd, '.sst', 'outputs.json'), 'utf8'));
    if (typeof parsed === 'object' && parsed !== null) outputs = parsed as Record<string, unknown>;
  } catch {
    // no deploy outputs here: the flag or the environment must say
  }
  const bus =
    values['event-bus'] ??
    (ctx.env.LAKEOPS_EVENT_BUS_NAME || undefined) ??
    (typeof outputs.bus === 'string' ? outputs.bus : undefined);
  if (!bus) {
    throw new CliUsageError(
      'apply --aws publishes permissions.sync.completed: pass --event-bus <name>, set LAKEOPS_EVENT_BUS_NAME, or run where .sst/outputs.json has bus',
    );
  }
  return bus;
}

function parseOptions(args: readonly string[]) {
  try {
    return parseArgs({
      args: [...args],
      allowPositionals: false,
      options: {
        'detailed-exitcode': { type: 'boolean' },
        force: { type: 'boolean' },
        'max-revoke-share': { type: 'string' },
        policy: { type: 'string' },
        stage: { type: 'string' },
        endpoint: { type: 'string' },
        aws: { type: 'boolean' },
        'catalog-id': { type: 'string' },
        'event-bus': { type: 'string' },
      },
    }).values;
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/** The SDK could not connect at all (nothing listens on the port). */
function refused(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if ((e as NodeJS.ErrnoException).code === 'ECONNREFUSED' || /ECONNREFUSED/.test(e.message)) return true;
  }
  return false;
}
