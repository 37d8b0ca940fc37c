import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeChange } from '../compat/change-types.ts';
import { type CompatibilityMode, checkCompatibility } from '../compat/check-compatibility.ts';
import { compatibilityModeOf } from '../compatibility-modes.ts';
import { GateBaseUnknownError, GateHistoryUnavailableError, SchemaUnreadableError } from '../errors.ts';
import {
  examplesFileName,
  parseSchemaFileName,
  SCHEMA_DIALECT,
  schemaFileName,
  schemaId,
} from '../schema-files.ts';

export { GateBaseUnknownError, GateHistoryUnavailableError };

/** Where the schema files live, from the repository root. */
export const EVENTS_PATH = 'packages/contracts/events';

/** A route's claim that a detail-type and version exist (from `functions/routes.ts`). */
export interface RoutePin {
  readonly detailType: string;
  readonly version: number;
  readonly routeId?: string;
}

export type GateFailureKind =
  | 'unreadable'
  | 'file-name'
  | 'dialect'
  | 'id-mismatch'
  | 'not-closed'
  | 'version-mismatch'
  | 'missing-examples'
  | 'version-gap'
  | 'deleted-version'
  | 'breaking-change'
  | 'needless-bump'
  | 'route-pin';

/** One mistake: the file it is in, and what is wrong with it. */
export interface GateFailure {
  readonly kind: GateFailureKind;
  readonly file: string;
  readonly message: string;
}

export interface GateResult {
  readonly ok: boolean;
  readonly failures: GateFailure[];
  /** How many schema files were checked. */
  readonly schemas: number;
  /** The base commit compared against, when one was given. */
  readonly base: string | undefined;
  /** How many earlier committed versions of the schema files were compared (0 with `history: false`). */
  readonly historyVersions: number;
}

interface SchemaFile {
  readonly path: string;
  readonly detailType: string;
  readonly version: number;
  readonly text: string;
}

export interface CheckSchemasOptions {
  /** The repository root (a git work tree). */
  readonly repoDir: string;
  /** A git ref to compare with (in CI: the merge base): finds deleted versions. */
  readonly base?: string | undefined;
  /**
   * Compare each `vN` with every earlier committed version of the same file, on the first-parent
   * line of HEAD (default true). Needs the full history: a shallow clone is refused with
   * {@link GateHistoryUnavailableError}.
   */
  readonly history?: boolean;
  /** The (detail-type, version) pairs routes depend on. */
  readonly routePins?: readonly RoutePin[];
  /** The schema folder, from `repoDir`. */
  readonly eventsPath?: string;
  /** The compatibility mode per detail-type (default: `compatibilityModes`). */
  readonly modeOf?: (detailType: string) => CompatibilityMode;
}

/**
 * The evolution gate, run in CI. Fails when
 * (a) an existing `vN` changed in a way that breaks its compatibility mode — compared with every
 *     earlier committed version of its file (git history, so a clean clone whose origin/main is
 *     HEAD still catches a breaking edit committed on top) — or was deleted (against `base`);
 * (b) a `vN+1` is compatible with `vN` (a needless bump: change `vN` in place instead);
 * (c) versions have a gap, a `$id` does not match its file, a schema is not closed or its `v`
 *     const is not its version, examples are missing, or a route pins a version that does not exist.
 * Each failure names the file and the change.
 *
 * @example
 * ```ts
 * const result = checkSchemas({ repoDir, base: 'origin/main', routePins: routes.flatMap(pinnedContracts) });
 * for (const f of result.failures) console.error(`${f.file}: ${f.message}`);
 * ```
 */
export function checkSchemas(options: CheckSchemasOptions): GateResult {
  const eventsPath = options.eventsPath ?? EVENTS_PATH;
  const modeOf = options.modeOf ?? compatibilityModeOf;
  const failures: GateFailure[] = [];
  const fail = (kind: GateFailureKind, file: string, message: string) =>
    failures.push({ kind, file, message });

  const head = readHead(options.repoDir, eventsPath, fail);
  const parsed = new Map<string, unknown>();
  for (const file of head) {
    const schema = parseJson(file, fail);
    if (schema !== undefined) {
      parsed.set(file.path, schema);
      checkShape(file, schema, fail);
      const examples = `${eventsPath}/${examplesFileName(file.detailType, file.version)}`;
      if (!existsSync(join(options.repoDir, examples))) {
        fail(
          'missing-examples',
          file.path,
          `no examples beside it: add ${examples} (one valid, two invalid)`,
        );
      }
    }
  }

  const byType = new Map<string, SchemaFile[]>();
  for (const file of head) byType.set(file.detailType, [...(byType.get(file.detailType) ?? []), file]);
  for (const [detailType, files] of byType) {
    files.sort((a, b) => a.version - b.version);
    const versions = files.map((f) => f.version);
    const missing = range(1, Math.max(...versions)).filter((v) => !versions.includes(v));
    if (missing.length > 0) {
      fail(
        'version-gap',
        `${eventsPath}/${schemaFileName(detailType, Math.max(...versions))}`,
        `version gap: ${detailType} has ${versions.map((v) => `v${v}`).join(', ')} but no ${missing.map((v) => `v${v}`).join(', ')}`,
      );
    }
    // (b) every vN+1 must be a breaking change from vN.
    for (let i = 1; i < files.length; i++) {
      const [previous, next] = [files[i - 1], files[i]];
      if (!previous || !next || next.version !== previous.version + 1) continue;
      const [a, b] = [parsed.get(previous.path), parsed.get(next.path)];
      if (a === undefined || b === undefined) continue;
      const mode = modeOf(detailType);
      const result = compare(a, b, mode, next, fail, true);
      if (result?.compatible) {
        fail(
          'needless-bump',
          next.path,
          `needless version bump: v${next.version} is ${mode}-compatible with v${previous.version}` +
            `${result.changes.length > 0 ? ` (${summarise(result.changes)})` : ' (no difference)'}; ` +
            `make the change in ${schemaFileName(detailType, previous.version)} and delete this file`,
        );
      }
    }
  }

  // (a) every vN against every earlier committed version of its file.
  const compared = new Set<string>();
  let historyVersions = 0;
  if (options.history ?? true) {
    requireFullHistory(options.repoDir);
    for (const file of head) {
      const schema = parsed.get(file.path);
      if (schema === undefined) continue;
      for (const earlier of history(options.repoDir, file)) {
        historyVersions++;
        compared.add(`${file.path}\n${earlier.text}`);
        if (earlier.text === file.text) continue;
        let earlierSchema: unknown;
        try {
          earlierSchema = JSON.parse(earlier.text);
        } catch {
          continue; // that version was broken; judge the file against the others
        }
        const mode = modeOf(file.detailType);
        const result = compare(earlierSchema, schema, mode, file, fail, false);
        if (result && !result.compatible) {
          fail(
            'breaking-change',
            file.path,
            `breaking change to an existing version (${mode}) since commit ${earlier.commit.slice(0, 12)} ` +
              `("${earlier.subject}"): ${summarise(result.breaking)}; ` +
              `keep v${file.version} as it was and add ${schemaFileName(file.detailType, file.version + 1)}`,
          );
          break; // one line per file: the most recent version it breaks
        }
      }
    }
  }

  let base: string | undefined;
  if (options.base !== undefined) {
    base = resolveCommit(options.repoDir, options.base);
    const before = readBase(options.repoDir, base, eventsPath);
    const now = new Map(head.map((f) => [f.path, f]));
    for (const old of before) {
      const current = now.get(old.path);
      if (!current) {
        fail(
          'deleted-version',
          old.path,
          `an existing version was deleted: producers and consumers of ${old.detailType} v${old.version} may still exist`,
        );
        continue;
      }
      if (current.text === old.text || compared.has(`${old.path}\n${old.text}`)) continue;
      let oldSchema: unknown;
      try {
        oldSchema = JSON.parse(old.text);
      } catch {
        continue; // the base was broken; judge the new file on its own
      }
      const newSchema = parsed.get(current.path);
      if (newSchema === undefined) continue;
      const mode = modeOf(old.detailType);
      const result = compare(oldSchema, newSchema, mode, current, fail, false);
      if (result && !result.compatible) {
        fail(
          'breaking-change',
          current.path,
          `breaking change to an existing version (${mode}): ${summarise(result.breaking)}; ` +
            `keep v${old.version} as it was and add ${schemaFileName(old.detailType, old.version + 1)}`,
        );
      }
    }
  }

  // (c) routes may only pin versions that exist.
  const existing = new Set(head.map((f) => `${f.detailType}@${f.version}`));
  for (const pin of options.routePins ?? []) {
    if (existing.has(`${pin.detailType}@${pin.version}`)) continue;
    fail(
      'route-pin',
      'functions/routes.ts',
      `route ${pin.routeId ? `'${pin.routeId}' ` : ''}pins ${pin.detailType} v${pin.version}, ` +
        `but ${eventsPath}/${schemaFileName(pin.detailType, pin.version)} does not exist`,
    );
  }

  return { ok: failures.length === 0, failures, schemas: head.length, base, historyVersions };
}

type Fail = (kind: GateFailureKind, file: string, message: string) => void;

function readHead(repoDir: string, eventsPath: string, fail: Fail): SchemaFile[] {
  const dir = join(repoDir, eventsPath);
  if (!existsSync(dir)) return [];
  const files: SchemaFile[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.schema.json')) continue;
    const path = `${eventsPath}/${name}`;
    const parsed = parseSchemaFileName(name);
    if (!parsed) {
      fail('file-name', path, 'not a <detail-type>.v<N>.schema.json name (lowercase detail-type, N from 1)');
      continue;
    }
    files.push({ path, ...parsed, text: readFileSync(join(dir, name), 'utf8') });
  }
  return files;
}

function readBase(repoDir: string, commit: string, eventsPath: string): SchemaFile[] {
  const listing = git(repoDir, ['ls-tree', '-r', '--name-only', commit, '--', `${eventsPath}/`]);
  const files: SchemaFile[] = [];
  for (const path of listing.split('\n').filter((p) => p.endsWith('.schema.json'))) {
    const parsed = parseSchemaFileName(path.slice(path.lastIndexOf('/') + 1));
    if (!parsed) continue;
    files.push({ path, ...parsed, text: git(repoDir, ['show', `${commit}:${path}`]) });
  }
  return files;
}

/** One committed version of a schema file. */
interface EarlierVersion {
  readonly commit: string;
  readonly subject: string;
  readonly text: string;
}

/**
 * Every committed version of `file` on the first-parent line of HEAD, newest first, following
 * renames, keeping only versions whose file name is the same detail-type and version; each
 * distinct text once (its newest commit). Branch-internal commits merged with a merge commit are
 * not on that line: what counts is what main had.
 */
function history(repoDir: string, file: SchemaFile): EarlierVersion[] {
  let log: string;
  try {
    log = git(repoDir, [
      'log',
      '--first-parent',
      '--follow',
      '--format=%x00%H%x01%s',
      '--name-only',
      'HEAD',
      '--',
      file.path,
    ]);
  } catch {
    return []; // no commit yet
  }
  const versions: EarlierVersion[] = [];
  const seen = new Set<string>();
  for (const entry of log.split('\0').slice(1)) {
    const [header = '', ...rest] = entry.split('\n');
    const [commit = '', subject = ''] = header.split('\x01');
    const path = rest.map((l) => l.trim()).find((l) => l.length > 0);
    if (!path) continue;
    const name = parseSchemaFileName(path.slice(path.lastIndexOf('/') + 1));
    if (!name || name.detailType !== file.detailType || name.version !== file.version) continue;
    let text: string;
    try {
      text = git(repoDir, ['show', `${commit}:${path}`]);
    } catch {
      continue; // the commit deleted it
    }
    if (seen.has(text)) continue;
    seen.add(text);
    versions.push({ commit, subject, text });
  }
  return versions;
}

/** The history rule needs every commit: refuse a shallow clone (or no git work tree) with a clear reason. */
function requireFullHistory(repoDir: string): void {
  let shallow: string;
  try {
    shallow = git(repoDir, ['rev-parse', '--is-shallow-repository']).trim();
  } catch (cause) {
    throw new GateHistoryUnavailableError(
      `${repoDir} is not a git work tree: the gate compares each schema with its committed history`,
      { cause },
    );
  }
  if (shallow === 'true') {
    throw new GateHistoryUnavailableError(
      'the clone is shallow: the gate compares each schema with every earlier committed version, ' +
        'so it needs the full history (run `git fetch --unshallow`, or clone without --depth)',
    );
  }
}

function resolveCommit(repoDir: string, ref: string): string {
  try {
    return git(repoDir, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).trim();
  } catch (cause) {
    throw new GateBaseUnknownError(`--base ${ref} is not a commit of the repository at ${repoDir}`, {
      cause,
    });
  }
}

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 << 20,
  });
}

function parseJson(file: SchemaFile, fail: Fail): unknown {
  try {
    return JSON.parse(file.text) as unknown;
  } catch (error) {
    fail('unreadable', file.path, `not JSON: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

function checkShape(file: SchemaFile, schema: unknown, fail: Fail): void {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    fail('unreadable', file.path, 'a schema file must hold a JSON object');
    return;
  }
  const s = schema as Record<string, unknown>;
  const id = schemaId(file.detailType, file.version);
  if (s.$id !== id) fail('id-mismatch', file.path, `$id is ${JSON.stringify(s.$id)}; it must be "${id}"`);
  if (s.$schema !== SCHEMA_DIALECT) fail('dialect', file.path, `$schema must be "${SCHEMA_DIALECT}"`);
  if (s.type !== 'object' || s.additionalProperties !== false) {
    fail(
      'not-closed',
      file.path,
      'an event schema must be a closed object: "type": "object", "additionalProperties": false',
    );
  }
  const v = (s.properties as Record<string, { const?: unknown }> | undefined)?.v;
  const required = Array.isArray(s.required) ? s.required : [];
  if (v?.const !== file.version || !required.includes('v')) {
    fail(
      'version-mismatch',
      file.path,
      `"v" must be required with "const": ${file.version}, the version in the file name`,
    );
  }
}

/** Compares two versions; the `v` const and `$id` are set aside when comparing consecutive versions. */
function compare(
  original: unknown,
  update: unknown,
  mode: CompatibilityMode,
  file: SchemaFile,
  fail: Fail,
  consecutive: boolean,
): ReturnType<typeof checkCompatibility> | undefined {
  try {
    const [a, b] = consecutive ? withoutVersion(original, update) : [original, update];
    return checkCompatibility(a, b, { mode });
  } catch (error) {
    if (!(error instanceof SchemaUnreadableError)) throw error;
    fail('unreadable', file.path, error.message);
    return undefined;
  }
}

function withoutVersion(original: unknown, update: unknown): [unknown, unknown] {
  const a = structuredClone(original) as Record<string, unknown>;
  const b = structuredClone(update) as Record<string, unknown>;
  for (const key of ['$id', 'title', 'description']) b[key] = a[key];
  const pa = a.properties as Record<string, unknown> | undefined;
  const pb = b.properties as Record<string, unknown> | undefined;
  if (pa && pb && 'v' in pa && 'v' in pb) pb.v = pa.v;
  return [a, b];
}

function summarise(
  changes: readonly { pointer: string; type: Parameters<typeof describeChange>[0]; direction?: string }[],
): string {
  return changes
    .map(
      (c) =>
        `${c.pointer || '/'} ${describeChange(c.type)} (${c.type}${c.direction === 'FORWARD' ? ', forward' : ''})`,
    )
    .join('; ');
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}
