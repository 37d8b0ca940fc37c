import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
// The synth harness lives with the stacks; loaded on use (it brings esbuild), not at CLI start.
import type { SynthOptions, SynthResource } from '../../../../stacks/synth/types.ts';
import { CliUsageError, type Command, type CommandContext } from '../command.ts';

const HELP = `Usage: lakeops infra synth [--json] [--stage <stage>] [--config <file>]

Runs the SST app (sst.config.ts and stacks/) with SST 4.17.1's own components under Pulumi's
mock runtime and prints every resource AWS would be asked to create, with its final inputs,
like \`cdk synth\`. Offline: no AWS account, no credentials, no Pulumi engine or provider
plugins; account 123456789012, region us-east-1, and ARNs are the mock's. Function code is not
bundled (each function gets a stub file), secrets get placeholders (synth-<Name>).

The first run installs SST's platform into .sst/platform from the npm registry
(same as \`npm run sst:platform\`); later runs need no network.

Options:
  --json             the full resource list as JSON: [{ type, name, inputs }], sorted
  --stage <stage>    the stage (\`$app.stage\`), default: synth
  --config <file>    another SST config, default: sst.config.ts of this checkout

Exit status: 0 ok; 1 the app failed under the mocks; 2 bad usage, or SST's platform missing
and not installable (the message says what to run).

Examples:
  npx lakeops infra synth
  npx lakeops infra synth --json --stage production | jq '.[] | select(.type | test("eventRule"))'`;

export type Synthesize = (options: SynthOptions) => Promise<SynthResource[]>;

const loadSynthesize: Synthesize = async (options) => {
  const { synthesize } = await import('../../../../stacks/synth/index.ts');
  return synthesize(options);
};

/** `lakeops infra`, with the harness's `synthesize` (tests pass their own). */
export function makeInfraCommand(synthesize: Synthesize = loadSynthesize): Command {
  return {
    name: 'infra',
    summary: 'The AWS resources the SST app declares, offline (synth [--json])',
    help: HELP,
    async run(args, ctx) {
      const [sub, ...rest] = args;
      if (sub === 'synth') return synth(rest, ctx, synthesize);
      if (sub === undefined) throw new CliUsageError('missing sub-command: synth (see lakeops infra --help)');
      throw new CliUsageError(`unknown sub-command '${sub}': synth (see lakeops infra --help)`);
    },
  };
}

export const infraCommand = makeInfraCommand();

async function synth(args: readonly string[], ctx: CommandContext, synthesize: Synthesize): Promise<number> {
  const { values } = parseOptions(args);
  const stage = values.stage ?? 'synth';
  // SST stage names end up in resource names: letters, digits and hyphens.
  if (!/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(stage)) {
    throw new CliUsageError(`--stage '${stage}': use letters, digits and hyphens`);
  }
  const config = values.config === undefined ? undefined : resolve(ctx.cwd, values.config);
  if (config !== undefined && !existsSync(config))
    throw new CliUsageError(`--config ${values.config}: no such file`);
  let resources: SynthResource[];
  try {
    resources = await synthesize({ stage, ...(config === undefined ? {} : { config }) });
  } catch (error) {
    throw asCliError(error);
  }
  ctx.stdout.write(values.json ? `${JSON.stringify(resources, null, 2)}\n` : table(resources));
  return 0;
}

function parseOptions(args: readonly string[]) {
  try {
    return parseArgs({
      args: [...args],
      options: { json: { type: 'boolean' }, stage: { type: 'string' }, config: { type: 'string' } },
      allowPositionals: false,
      strict: true,
    });
  } catch (error) {
    throw new CliUsageError(`${error instanceof Error ? error.message : String(error)} (see --help)`);
  }
}

/** The harness's errors as the CLI's: platform problems are the user's to fix (exit 2), the rest 1. */
function asCliError(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'SstPlatformInstall' || code === 'SynthPlatformMissing') {
    return new CliUsageError(
      `SST's platform (.sst/platform) is missing and could not be installed: ${message.split('\n')[0]}; ` +
        'run `npm ci && npm run sst:platform` with the npm registry reachable',
      { cause: error },
    );
  }
  if (code === 'SynthFailed' || code === 'SynthTimeout') {
    // The child's output ends with the error the stacks threw; the first line says what failed.
    const lines = message.split('\n').filter((l) => l.trim() !== '');
    const cause = lines.find((l) => /^\s*(\w*Error|Error):/.test(l)) ?? lines.at(-1) ?? message;
    return new CliUsageError(`${lines[0]} ${cause.trim()}`, { exitCode: 1, cause: error });
  }
  return error;
}

/** `aws:cloudwatch/eventRule:EventRule` → `aws.cloudwatch.EventRule` (the Pulumi class). */
export function shortType(type: string): string {
  const [pkg, module = '', cls = ''] = type.split(':');
  return `${pkg}.${module.split('/')[0]}.${cls}`;
}

function compact(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** The inputs that say what a resource is, in one line. */
export function summary(r: SynthResource): string {
  const i = r.inputs;
  const tail = (arn: unknown) => (typeof arn === 'string' ? (arn.split(/[:/]/).pop() ?? arn) : compact(arn));
  switch (r.type) {
    case 'aws:cloudwatch/eventRule:EventRule':
      return `pattern ${compact(i.eventPattern)}`;
    case 'aws:cloudwatch/eventTarget:EventTarget': {
      const dlq = (i.deadLetterConfig as { arn?: unknown } | undefined)?.arn;
      return `→ ${tail(i.arn)}${dlq ? `, dlq ${tail(dlq)}` : ''}${i.retryPolicy ? `, retry ${compact(i.retryPolicy)}` : ''}`;
    }
    case 'aws:lambda/function:Function':
      return `${compact(i.runtime)} ${compact(i.architectures)} ${compact(i.handler)}, ${compact(i.memorySize)} MB, ${compact(i.timeout)} s`;
    case 'aws:iam/role:Role': {
      const inline = (i.inlinePolicies ?? []) as { policy?: string }[];
      const actions = inline.flatMap((p) => {
        const doc = JSON.parse(p.policy ?? '{"Statement":[]}') as {
          Statement: { Action: string | string[] }[];
        };
        return doc.Statement.flatMap((s) => s.Action);
      });
      return actions.length > 0 ? `allows ${actions.join(' ')}` : 'no inline policy';
    }
    case 'aws:scheduler/schedule:Schedule':
      return `${compact(i.scheduleExpression)} ${compact(i.scheduleExpressionTimezone ?? 'UTC')} → ${tail((i.target as { arn?: unknown } | undefined)?.arn)}`;
    case 'aws:sqs/queue:Queue':
      return `${compact(i.name)}, retention ${compact(i.messageRetentionSeconds)} s`;
    case 'aws:s3/bucket:Bucket':
    case 'aws:s3/bucketV2:BucketV2':
      return compact(i.bucket);
    default:
      return Object.entries(i)
        .map(([k, v]) => `${k}=${compact(v)}`)
        .join(' ');
  }
}

/** The resource list as a table: type, name, summary (cut to the terminal-friendly 160 chars). */
export function table(resources: readonly SynthResource[]): string {
  const rows = resources.map((r) => [shortType(r.type), r.name, summary(r)] as const);
  const header = ['TYPE', 'NAME', 'INPUTS'] as const;
  const widths = [0, 1].map((c) =>
    Math.max(header[c]?.length ?? 0, ...rows.map((row) => row[c]?.length ?? 0)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) =>
        c < 2 ? cell.padEnd(widths[c] ?? 0) : cell.length > 160 ? `${cell.slice(0, 159)}…` : cell,
      )
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n${resources.length} resources\n`;
}
