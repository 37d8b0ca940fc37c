import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkSchemas,
  GateBaseUnknownError,
  GateHistoryUnavailableError,
} from '../src/gate/check-schemas.ts';
import { eventSchema, TempRepo } from './support/temp-repo.ts';

const STATE = { enum: ['ALARM', 'OK', 'INSUFFICIENT_DATA'] };
const NAME = { type: 'string', minLength: 1 };
const EVENTS = 'packages/contracts/events';

let repo: TempRepo;
let base: string;

beforeEach(() => {
  // Prepare: main has alarm.triggered v1 and deploy.failed v1.
  repo = new TempRepo()
    .schema('alarm.triggered', 1, { alarm_name: NAME, state: STATE }, ['alarm_name', 'state'])
    .schema('deploy.failed', 1, { service: NAME }, ['service']);
  base = repo.commit('schemas v1');
  repo.git('checkout', '-q', '-b', 'feature');
});

afterEach(() => repo.dispose());

const kinds = (r: ReturnType<typeof checkSchemas>) => r.failures.map((f) => f.kind);

describe('lakeops schemas check: the evolution gate', () => {
  it('passes an unchanged tree and a compatible change to an existing version', () => {
    expect(checkSchemas({ repoDir: repo.dir, base })).toMatchObject({ ok: true, failures: [], schemas: 2 });
    // A new optional field in a closed schema is BACKWARD-compatible.
    repo.schema('alarm.triggered', 1, { alarm_name: NAME, state: STATE, service: NAME }, [
      'alarm_name',
      'state',
    ]);
    repo.commit('add optional service');
    expect(checkSchemas({ repoDir: repo.dir, base: 'main' })).toMatchObject({ ok: true, failures: [] });
  });

  it('(a) fails a breaking change to an existing vN, naming the file and the change', () => {
    // Act: narrow the state enum and add a required field in v1 itself.
    repo.schema(
      'alarm.triggered',
      1,
      { alarm_name: NAME, state: { enum: ['ALARM', 'OK'] }, severity: NAME },
      ['alarm_name', 'state', 'severity'],
    );
    repo.commit('narrow v1');
    const result = checkSchemas({ repoDir: repo.dir, base: 'main' });
    // Assess
    expect(kinds(result)).toEqual(['breaking-change']);
    const [failure] = result.failures;
    expect(failure?.file).toBe(`${EVENTS}/alarm.triggered.v1.schema.json`);
    expect(failure?.message).toContain(
      '/properties/state/enum allowed values narrowed (ENUM_ARRAY_NARROWED)',
    );
    expect(failure?.message).toContain('/properties/severity required property added');
    expect(failure?.message).toContain('add alarm.triggered.v2.schema.json');
  });

  it('(a) also judges uncommitted changes in the working tree', () => {
    repo.write(
      `${EVENTS}/deploy.failed.v1.schema.json`,
      eventSchema('deploy.failed', 1, { service: { type: 'integer' } }, ['service']),
    );
    expect(kinds(checkSchemas({ repoDir: repo.dir, base }))).toEqual(['breaking-change']);
  });

  it('(a) fails when an existing version is deleted', () => {
    repo.remove(`${EVENTS}/deploy.failed.v1.schema.json`).remove(`${EVENTS}/deploy.failed.v1.examples.json`);
    const result = checkSchemas({ repoDir: repo.dir, base });
    expect(result.failures).toEqual([
      expect.objectContaining({ kind: 'deleted-version', file: `${EVENTS}/deploy.failed.v1.schema.json` }),
    ]);
  });

  it('(b) fails a vN+1 whose change from vN is not breaking (a needless bump)', () => {
    // Act: v2 only adds an optional field.
    repo.schema('alarm.triggered', 2, { alarm_name: NAME, state: STATE, service: NAME }, [
      'alarm_name',
      'state',
    ]);
    const result = checkSchemas({ repoDir: repo.dir, base });
    // Assess
    expect(result.failures).toEqual([
      expect.objectContaining({ kind: 'needless-bump', file: `${EVENTS}/alarm.triggered.v2.schema.json` }),
    ]);
    expect(result.failures[0]?.message).toContain('v2 is BACKWARD-compatible with v1');
    expect(result.failures[0]?.message).toContain('/properties/service');
  });

  it('(b) passes a vN+1 that really breaks (a new required field)', () => {
    repo.schema('alarm.triggered', 2, { alarm_name: NAME, state: STATE, severity: NAME }, [
      'alarm_name',
      'state',
      'severity',
    ]);
    expect(checkSchemas({ repoDir: repo.dir, base })).toMatchObject({ ok: true });
  });

  it('(b) judges the bump with the mode of the event type (FULL: a new optional field breaks FORWARD)', () => {
    repo.schema('alarm.triggered', 2, { alarm_name: NAME, state: STATE, service: NAME }, [
      'alarm_name',
      'state',
    ]);
    const result = checkSchemas({ repoDir: repo.dir, base, modeOf: () => 'FULL' });
    expect(result).toMatchObject({ ok: true });
  });

  it('(c) fails a gap in version numbers', () => {
    repo.schema('alarm.triggered', 3, { alarm_name: NAME }, ['alarm_name']);
    const result = checkSchemas({ repoDir: repo.dir, base });
    expect(result.failures).toEqual([
      expect.objectContaining({
        kind: 'version-gap',
        file: `${EVENTS}/alarm.triggered.v3.schema.json`,
        message: 'version gap: alarm.triggered has v1, v3 but no v2',
      }),
    ]);
  });

  it('(c) fails a $id that does not match its file', () => {
    const schema = eventSchema('deploy.failed', 1, { service: NAME }, ['service']);
    repo.write(`${EVENTS}/deploy.failed.v1.schema.json`, {
      ...schema,
      $id: 'https://schemas.lakeops.dev/events/deploy.failed.v2.schema.json',
    });
    const result = checkSchemas({ repoDir: repo.dir, base });
    expect(result.failures).toEqual([
      expect.objectContaining({ kind: 'id-mismatch', file: `${EVENTS}/deploy.failed.v1.schema.json` }),
    ]);
    expect(result.failures[0]?.message).toContain(
      'it must be "https://schemas.lakeops.dev/events/deploy.failed.v1.schema.json"',
    );
  });

  it('(c) fails a route pinned to a version that does not exist', () => {
    const result = checkSchemas({
      repoDir: repo.dir,
      base,
      routePins: [
        { detailType: 'deploy.failed', version: 1, routeId: 'notify-deploy' },
        { detailType: 'deploy.failed', version: 2, routeId: 'notify-deploy' },
      ],
    });
    expect(result.failures).toEqual([
      {
        kind: 'route-pin',
        file: 'functions/routes.ts',
        message: `route 'notify-deploy' pins deploy.failed v2, but ${EVENTS}/deploy.failed.v2.schema.json does not exist`,
      },
    ]);
  });

  it('(c) fails an open schema, a v const that is not the version, a missing examples file, a bad file name', () => {
    repo.write(`${EVENTS}/deploy.failed.v1.schema.json`, {
      ...eventSchema('deploy.failed', 1, { service: NAME }),
      additionalProperties: true,
      properties: { v: { const: 2 }, service: NAME },
    });
    repo.write(`${EVENTS}/waf.block.v1.schema.json`, eventSchema('waf.block', 1, {}));
    repo.write(`${EVENTS}/Deploy.Started.schema.json`, {});
    const result = checkSchemas({ repoDir: repo.dir, history: false });
    expect(kinds(result).sort()).toEqual(['file-name', 'missing-examples', 'not-closed', 'version-mismatch']);
  });

  it('fails a schema file that is not JSON, naming it', () => {
    repo.write(`${EVENTS}/deploy.failed.v1.schema.json`, '{ "type": ');
    const result = checkSchemas({ repoDir: repo.dir, base });
    expect(result.failures).toEqual([
      expect.objectContaining({ kind: 'unreadable', file: `${EVENTS}/deploy.failed.v1.schema.json` }),
    ]);
  });

  it('refuses a base that is not a commit', () => {
    expect(() => checkSchemas({ repoDir: repo.dir, base: 'no-such-branch' })).toThrow(GateBaseUnknownError);
  });

  it('runs the history-free rules without a base', () => {
    repo.schema('alarm.triggered', 2, { alarm_name: NAME, state: STATE }, ['alarm_name', 'state']);
    expect(checkSchemas({ repoDir: repo.dir })).toMatchObject({
      base: undefined,
      failures: [expect.objectContaining({ kind: 'needless-bump' })],
    });
  });
});

describe('the evolution gate on a clean clone (CI: origin/main is HEAD, no base to compare with)', () => {
  const clones: string[] = [];
  /** A fresh clone of the temp repo's main, as CI makes it (`depth` for a shallow one). */
  const cloneOf = (depth?: number) => {
    const dir = join(mkdtempSync(join(tmpdir(), 'lakeops-gate-clone-')), 'repo');
    clones.push(dirname(dir));
    const from = depth ? `file://${repo.dir}` : repo.dir;
    repo.git('clone', '-q', ...(depth ? ['--depth', String(depth)] : []), '-b', 'main', from, dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of clones.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('fails a breaking edit of v1 committed on top, naming the file, the earlier commit and the change', () => {
    // Prepare: main gets a commit that narrows alarm.triggered v1 in place.
    repo.git('checkout', '-q', 'main');
    repo.schema('alarm.triggered', 1, { alarm_name: NAME, state: { enum: ['ALARM', 'OK'] } }, [
      'alarm_name',
      'state',
    ]);
    repo.commit('narrow alarm states');
    const clone = cloneOf();
    // Act: the base is origin/main, i.e. HEAD itself.
    const result = checkSchemas({ repoDir: clone, base: 'origin/main' });
    // Assess
    expect(kinds(result)).toEqual(['breaking-change']);
    expect(result.failures[0]?.file).toBe(`${EVENTS}/alarm.triggered.v1.schema.json`);
    expect(result.failures[0]?.message).toContain(`since commit ${base.slice(0, 12)} ("schemas v1")`);
    expect(result.failures[0]?.message).toContain(
      '/properties/state/enum allowed values narrowed (ENUM_ARRAY_NARROWED)',
    );
  });

  it('passes compatible edits committed on top, and compares with every earlier version', () => {
    // Prepare: two compatible commits (new optional fields).
    repo.git('checkout', '-q', 'main');
    repo.schema('alarm.triggered', 1, { alarm_name: NAME, state: STATE, service: NAME }, [
      'alarm_name',
      'state',
    ]);
    repo.commit('add service');
    repo.schema('alarm.triggered', 1, { alarm_name: NAME, state: STATE, service: NAME, metric: NAME }, [
      'alarm_name',
      'state',
    ]);
    repo.commit('add metric');
    const clone = cloneOf();
    // Act
    const result = checkSchemas({ repoDir: clone, base: 'origin/main' });
    // Assess: alarm.triggered has 3 versions, deploy.failed 1.
    expect(result).toMatchObject({ ok: true, failures: [], historyVersions: 4 });
  });

  it('ignores a breaking state that lived only inside a branch merged with a merge commit', () => {
    // Prepare: the feature branch breaks v1, then restores it; main merges it with --no-ff.
    repo.schema('deploy.failed', 1, { service: { type: 'integer' } }, ['service']);
    repo.commit('oops');
    repo.schema('deploy.failed', 1, { service: NAME }, ['service']);
    repo.commit('restore');
    repo.git('checkout', '-q', 'main');
    repo.git('merge', '-q', '--no-ff', '-m', 'merge feature', 'feature');
    // Act
    const result = checkSchemas({ repoDir: cloneOf() });
    // Assess
    expect(result).toMatchObject({ ok: true, failures: [] });
  });

  it('refuses a shallow clone with a clear reason', () => {
    // Prepare
    repo.git('checkout', '-q', 'main');
    repo.schema('deploy.failed', 1, { service: NAME, region: NAME }, ['service']);
    repo.commit('add region');
    const clone = cloneOf(1);
    // Act + Assess
    expect(() => checkSchemas({ repoDir: clone })).toThrow(GateHistoryUnavailableError);
    expect(() => checkSchemas({ repoDir: clone })).toThrow(/clone is shallow.*git fetch --unshallow/);
  });
});
