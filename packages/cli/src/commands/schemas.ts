import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type ChangeType,
  type CompatibilityMode,
  changeTypes,
  checkCompatibility,
  describeChange,
  listSchemas,
  SchemaUnreadableError,
} from '@lakeops/contracts';
import {
  checkSchemas,
  GateBaseUnknownError,
  GateHistoryUnavailableError,
  type RoutePin,
} from '@lakeops/contracts/gate';
import { CliUsageError, type Command, type CommandContext } from '../command.ts';

const HELP = `Usage: lakeops schemas <check|compat|list> [options]

Event contracts: the JSON Schemas in packages/contracts/events/ (one file per detail-type
and version, v1, v2, …) and the rules that keep their version \`v\` honest.

  lakeops schemas check [--base <git-ref>]
      The evolution gate (CI runs it on a clean clone). Fails when
        (a) an existing vN changed in a breaking way (its compatibility mode, BACKWARD by
            default) compared with EVERY earlier committed version of its file (git history
            on HEAD's first-parent line; a shallow clone is refused), or was deleted since
            <git-ref>;
        (b) a vN+1 is not a breaking change from vN (a needless bump);
        (c) versions have a gap, a $id does not match its file, a schema is not closed, its
            v const is not its version, examples are missing, or a route in
            functions/routes.ts pins a version that does not exist.
      Without --base, deletions are not looked for. Prints each failure with its file, the
      earlier commit it breaks, and the change.

  lakeops schemas compat OLD.json NEW.json [--mode backward|forward|full]
      Whether NEW may replace OLD (Confluent Schema Registry semantics, BACKWARD by default:
      consumers on NEW read data written with OLD; FORWARD the other way; FULL both).
      Prints each breaking change with its JSON pointer.

  lakeops schemas list
      Every schema in the repo: detail-type, version, file.

Exit status: 0 ok / compatible; 1 the gate failed / a breaking change; 2 bad usage or
unreadable input (one line naming the file and the problem).

Examples:
  npx lakeops schemas check --base "$(git merge-base origin/main HEAD)"
  npx lakeops schemas compat old.json packages/contracts/events/deploy.failed.v1.schema.json --mode full`;

/** Where the gate gets the route pins from; tests pass their own. */
export type RoutePinLoader = () => Promise<readonly RoutePin[]>;

/** The pins of `functions/routes.ts`: each event route's detail-types crossed with its `detail.v` values. */
export const loadRoutePins: RoutePinLoader = async () => {
  const [{ routes }, { pinnedContracts }] = await Promise.all([
    import('@lakeops/functions/routes'),
    import('@lakeops/functions/lib/route'),
  ]);
  return routes.flatMap((route) => pinnedContracts(route).map((pin) => ({ ...pin, routeId: route.id })));
};

/** `lakeops schemas`, with the route pins from `load` (the real route table by default). */
export function makeSchemasCommand(load: RoutePinLoader = loadRoutePins): Command {
  return {
    name: 'schemas',
    summary: 'Event schemas: the evolution gate (check), compatibility of two schemas (compat), list',
    help: HELP,
    async run(args, ctx) {
      const [sub, ...rest] = args;
      switch (sub) {
        case 'check':
          return check(rest, ctx, load);
        case 'compat':
          return compat(rest, ctx);
        case 'list':
          return list(rest, ctx);
        case undefined:
          throw new CliUsageError('missing sub-command: check, compat or list (see lakeops schemas --help)');
        default:
          throw new CliUsageError(
            `unknown sub-command '${sub}': check, compat or list (see lakeops schemas --help)`,
          );
      }
    },
  };
}

export const schemasCommand: Command = makeSchemasCommand();

function parse(args: readonly string[], options: Record<string, { type: 'string' }>, positionals: number) {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: typeof options; allowPositionals: true }>
  >;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  if (parsed.positionals.length !== positionals) {
    throw new CliUsageError(
      positionals === 0
        ? `unexpected argument '${parsed.positionals[0]}'`
        : `expected ${positionals} files, got ${parsed.positionals.length} (see lakeops schemas --help)`,
    );
  }
  return parsed;
}

async function check(args: readonly string[], ctx: CommandContext, load: RoutePinLoader): Promise<number> {
  const { values } = parse(args, { base: { type: 'string' } }, 0);
  const base = values.base;
  const repoDir = repoRoot(ctx.cwd);
  const routePins = await load();
  let result: ReturnType<typeof checkSchemas>;
  try {
    result = checkSchemas({ repoDir, base, routePins });
  } catch (error) {
    if (error instanceof GateBaseUnknownError) throw new CliUsageError(error.message, { cause: error });
    if (error instanceof GateHistoryUnavailableError)
      throw new CliUsageError(error.message, { exitCode: 2, cause: error });
    throw error;
  }
  for (const f of result.failures) ctx.stdout.write(`✗ ${f.file}: ${f.message}\n`);
  const history = `${result.historyVersions} committed version${result.historyVersions === 1 ? '' : 's'}`;
  const against = `, against ${history}${result.base ? ` and ${result.base.slice(0, 12)}` : ' (no --base: deletions not looked for)'}`;
  const pins = `${routePins.length} route pin${routePins.length === 1 ? '' : 's'}`;
  if (result.ok) {
    ctx.stdout.write(`schemas check: ${result.schemas} schemas, ${pins}, ok${against}\n`);
    return 0;
  }
  ctx.stdout.write(
    `schemas check: ${result.failures.length} problem(s) in ${result.schemas} schemas${against}\n`,
  );
  return 1;
}

async function compat(args: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse(args, { mode: { type: 'string' } }, 2);
  const mode = parseMode(values.mode);
  const [oldFile = '', newFile = ''] = positionals;
  const [original, update] = [await readSchemaFile(oldFile, ctx), await readSchemaFile(newFile, ctx)];
  let result: ReturnType<typeof checkCompatibility>;
  try {
    result = checkCompatibility(original, update, { mode });
  } catch (error) {
    if (error instanceof SchemaUnreadableError) {
      const file = error.side === 'update' ? newFile : oldFile;
      throw new CliUsageError(`${file}: ${error.message}`, { exitCode: 2, cause: error });
    }
    throw error;
  }
  const line = (c: (typeof result.changes)[number]) =>
    `${c.pointer || '/'}  ${c.type}: ${
      c.direction === 'BACKWARD'
        ? describeChange(c.type)
        : `${describeForwardChange(c.type)} (forward${c.breaking ? ': readers on the old schema refuse new data' : ''})`
    }`;
  if (result.compatible) {
    const notes =
      result.changes.length === 0 ? 'no differences' : `${result.changes.length} compatible difference(s)`;
    ctx.stdout.write(`compatible (${mode}): ${notes}\n`);
    for (const c of result.changes) ctx.stdout.write(`  ${line(c)}\n`);
    return 0;
  }
  ctx.stdout.write(`NOT compatible (${mode}): ${result.breaking.length} breaking change(s)\n`);
  for (const c of result.breaking) ctx.stdout.write(`  BREAKING ${line(c)}\n`);
  return 1;
}

async function list(args: readonly string[], ctx: CommandContext): Promise<number> {
  parse(args, {}, 0);
  const rows = listSchemas();
  const width = Math.max(...rows.map((r) => r.detailType.length));
  for (const r of rows) ctx.stdout.write(`${r.detailType.padEnd(width)}  v${r.version}  ${r.file}\n`);
  return 0;
}

function parseMode(mode: string | undefined): CompatibilityMode {
  if (mode === undefined) return 'BACKWARD';
  const upper = mode.toUpperCase();
  if (upper === 'BACKWARD' || upper === 'FORWARD' || upper === 'FULL') return upper;
  throw new CliUsageError(`--mode must be backward, forward or full (got '${mode}')`);
}

async function readSchemaFile(file: string, ctx: CommandContext): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(resolve(ctx.cwd, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : 'cannot be read';
    throw new CliUsageError(`${file}: ${why}`, { exitCode: 2, cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new CliUsageError(`${file}: not JSON (${message})`, { exitCode: 2, cause: error });
  }
}

function repoRoot(cwd: string): string {
  try {
    return execFileSync('git', ['rev-parse', '--show-toplevel'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch (error) {
    throw new CliUsageError(
      `${cwd} is not inside a git repository (schemas check reads the schemas' history)`,
      {
        cause: error,
      },
    );
  }
}

/** The FORWARD sense of each content-model change whose opposite has no change type of its own. */
const forwardOverrides: Partial<Record<ChangeType, string>> = {
  PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL: 'property added to a closed object',
  PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL: 'property added to an open object',
  PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL: 'forbidden property added to a closed object',
  OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL: 'optional property removed from a closed object',
  OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL: 'property removed from an open object',
  PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL:
    'property with an empty schema removed from an open object',
  REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL: 'required property removed',
  REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL: 'required property with a default removed',
  REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED: 'a property with a default is no longer required',
  ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL: 'tuple item added to a closed array',
  ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL: 'tuple item added to an open array',
  ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL: 'forbidden tuple item added to a closed array',
  ITEM_ADDED_TO_CLOSED_CONTENT_MODEL: 'tuple item removed from a closed array',
  ITEM_ADDED_TO_OPEN_CONTENT_MODEL: 'tuple item removed from an open array',
  ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL:
    'tuple item with an empty schema removed from an open array',
  COMBINED_TYPE_EXTENDED: 'combination tightened (from anyOf)',
};

const opposite: Record<string, string> = {
  ADDED: 'REMOVED',
  REMOVED: 'ADDED',
  INCREASED: 'DECREASED',
  DECREASED: 'INCREASED',
  EXTENDED: 'NARROWED',
  NARROWED: 'EXTENDED',
  REDUCED: 'EXPANDED',
  EXPANDED: 'REDUCED',
};

/**
 * A FORWARD difference described as the change the user made. The FORWARD check compares the new
 * schema to the old one, so its change types read backwards: adding a property to a closed object
 * is found as PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL. The description is that of the opposite
 * change type (ADDED ↔ REMOVED, INCREASED ↔ DECREASED, …), or of an override where there is none.
 */
export function describeForwardChange(type: ChangeType): string {
  const flipped = type.replace(
    /ADDED|REMOVED|INCREASED|DECREASED|EXTENDED|NARROWED|REDUCED|EXPANDED/,
    (w) => opposite[w] ?? w,
  );
  const made =
    forwardOverrides[type] ??
    ((changeTypes as readonly string[]).includes(flipped) && flipped !== type
      ? describeChange(flipped as ChangeType)
      : describeChange(type));
  return made.replace(/ \((?:old|new) data[^)]*\)/, '');
}
