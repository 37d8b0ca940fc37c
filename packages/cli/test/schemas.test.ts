import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { changeTypes, describeChange } from '@lakeops/contracts';
import { repoRoot } from '@lakeops/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeForwardChange, makeSchemasCommand, schemasCommand } from '../src/commands/schemas.ts';
import { main } from '../src/main.ts';
import { captureContext } from './capture-context.ts';

const context = (cwd: string) => captureContext({ cwd });

const schema = (
  detailType: string,
  version: number,
  properties: Record<string, unknown>,
  required: string[],
) => ({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: `https://schemas.lakeops.dev/events/${detailType}.v${version}.schema.json`,
  type: 'object',
  additionalProperties: false,
  required: ['v', ...required],
  properties: { v: { const: version }, ...properties },
});
const STATE = { enum: ['ALARM', 'OK', 'INSUFFICIENT_DATA'] };

let dir: string;
const write = (path: string, content: unknown) => {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
};
const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: 'pipe' });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lakeops-schemas-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[], pins: { detailType: string; version: number; routeId?: string }[] = []) {
  const { ctx, out } = context(dir);
  const code = await main(['schemas', ...args], ctx, [makeSchemasCommand(async () => pins)]);
  return { code, ...out };
}

describe('lakeops schemas compat', () => {
  it('exits 0 on a compatible change and lists the differences', async () => {
    // Prepare
    write('old.json', schema('alarm.triggered', 1, { state: STATE }, ['state']));
    write('new.json', schema('alarm.triggered', 1, { state: STATE, service: { type: 'string' } }, ['state']));
    // Act
    const result = await run(['compat', 'old.json', 'new.json']);
    // Assess
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('compatible (BACKWARD): 1 compatible difference(s)');
    expect(result.stdout).toContain('/properties/service  OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL');
  });

  it('exits 1 on a breaking change, printing each one with its pointer', async () => {
    write('old.json', schema('alarm.triggered', 1, { state: STATE }, ['state']));
    write(
      'new.json',
      schema('alarm.triggered', 1, { state: { enum: ['ALARM'] }, reason: { type: 'string' } }, [
        'state',
        'reason',
      ]),
    );
    const result = await run(['compat', 'old.json', 'new.json']);
    expect(result.code).toBe(1);
    expect(result.stdout.split('\n')).toEqual([
      'NOT compatible (BACKWARD): 2 breaking change(s)',
      '  BREAKING /properties/state/enum  ENUM_ARRAY_NARROWED: allowed values narrowed',
      '  BREAKING /properties/reason  REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL: required property added (old data lacks it)',
      '',
    ]);
  });

  it('--mode forward and full compare the other way too', async () => {
    write('old.json', schema('alarm.triggered', 1, { state: STATE }, ['state']));
    write('new.json', schema('alarm.triggered', 1, { state: STATE, service: { type: 'string' } }, ['state']));
    expect((await run(['compat', 'old.json', 'new.json', '--mode', 'backward'])).code).toBe(0);
    const forward = await run(['compat', 'old.json', 'new.json', '--mode', 'forward']);
    expect(forward.code).toBe(1);
    expect(forward.stdout).toContain(
      'BREAKING /properties/service  PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL',
    );
    expect((await run(['compat', 'old.json', 'new.json', '--mode', 'FULL'])).code).toBe(1);
  });

  it('describes a FORWARD break as the change the user made (old → new)', async () => {
    // Prepare: a required property added, and a maxLength dropped.
    write('old.json', schema('alarm.triggered', 1, { state: { type: 'string', maxLength: 10 } }, ['state']));
    write(
      'new.json',
      schema('alarm.triggered', 1, { state: { type: 'string' }, reason: { type: 'string' } }, [
        'state',
        'reason',
      ]),
    );
    // Act
    const forward = await run(['compat', 'old.json', 'new.json', '--mode', 'forward']);
    // Assess
    expect(forward.code).toBe(1);
    expect(forward.stdout.split('\n')).toEqual([
      'NOT compatible (FORWARD): 2 breaking change(s)',
      '  BREAKING /properties/state/maxLength  MAX_LENGTH_ADDED: maxLength removed (forward: readers on the old schema refuse new data)',
      '  BREAKING /properties/reason  PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL: property added to a closed object (forward: readers on the old schema refuse new data)',
      '',
    ]);
  });

  it.each(
    changeTypes.filter((t) => /ADDED|REMOVED|INCREASED|DECREASED|EXTENDED|NARROWED|REDUCED|EXPANDED/.test(t)),
  )('describes FORWARD %s as the opposite of its BACKWARD sense', (type) => {
    // Act
    const forward = describeForwardChange(type);
    // Assess
    expect(forward).not.toBe(describeChange(type));
    expect(forward).not.toMatch(/old data/);
  });

  it('exits 2 with one line naming the file on unreadable input', async () => {
    write('old.json', schema('alarm.triggered', 1, {}, []));
    write('broken.json', '{ "type": ');
    write('odd.json', '{ "type": "strin" }');
    const missing = await run(['compat', 'old.json', 'nope.json']);
    const notJson = await run(['compat', 'broken.json', 'old.json']);
    const notSchema = await run(['compat', 'old.json', 'odd.json']);
    expect(missing).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'lakeops schemas: nope.json: no such file\n',
    });
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/^lakeops schemas: broken\.json: not JSON \(.+\)\n$/);
    expect(notSchema).toMatchObject({
      code: 2,
      stderr: 'lakeops schemas: odd.json: #/type: unknown type "strin"\n',
    });
  });

  it('exits 2 on bad usage', async () => {
    write('a.json', {});
    expect((await run(['compat', 'a.json'])).code).toBe(2);
    expect((await run(['compat', 'a.json', 'a.json', '--mode', 'sideways'])).stderr).toBe(
      "lakeops schemas: --mode must be backward, forward or full (got 'sideways')\n",
    );
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run([])).code).toBe(2);
  });
});

describe('lakeops schemas check', () => {
  const EVENTS = 'packages/contracts/events';
  beforeEach(() => {
    git('init', '-q', '-b', 'main');
    git('config', 'user.email', 'cli@test.invalid');
    git('config', 'user.name', 'cli test');
    write(
      `${EVENTS}/alarm.triggered.v1.schema.json`,
      schema('alarm.triggered', 1, { state: STATE }, ['state']),
    );
    write(`${EVENTS}/alarm.triggered.v1.examples.json`, { valid: [], invalid: [] });
    git('add', '-A');
    git('commit', '-q', '-m', 'v1');
  });

  it('exits 0 when nothing is wrong', async () => {
    const result = await run(['check', '--base', 'main'], [{ detailType: 'alarm.triggered', version: 1 }]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^schemas check: 1 schemas, 1 route pin, ok, against 1 committed version and [0-9a-f]{12}\n$/,
    );
  });

  it('exits 1 and names the file and the change on a breaking edit of v1', async () => {
    write(
      `${EVENTS}/alarm.triggered.v1.schema.json`,
      schema('alarm.triggered', 1, { state: { enum: ['OK'] } }, ['state']),
    );
    const result = await run(['check', '--base', 'main']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /✗ packages\/contracts\/events\/alarm\.triggered\.v1\.schema\.json: breaking change to an existing version \(BACKWARD\) since commit [0-9a-f]{12} \("v1"\): \/properties\/state\/enum allowed values narrowed \(ENUM_ARRAY_NARROWED\)/,
    );
  });

  it('exits 1 on a breaking edit of v1 committed on top, with no base at all', async () => {
    // Prepare
    write(
      `${EVENTS}/alarm.triggered.v1.schema.json`,
      schema('alarm.triggered', 1, { state: { enum: ['OK'] } }, ['state']),
    );
    git('commit', '-q', '-am', 'narrow');
    // Act
    const result = await run(['check']);
    // Assess
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`✗ ${EVENTS}/alarm.triggered.v1.schema.json: breaking change`);
  });

  it('exits 2 with one line in a shallow clone', async () => {
    // Prepare: a depth-1 clone of this repository, in a folder of its own.
    git('commit', '-q', '--allow-empty', '-m', 'second');
    const shallow = join(dir, 'shallow');
    git('clone', '-q', '--depth', '1', `file://${dir}`, shallow);
    // Act
    const { ctx, out } = context(shallow);
    const code = await main(['schemas', 'check'], ctx, [makeSchemasCommand(async () => [])]);
    // Assess
    expect(code).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/^lakeops schemas: the clone is shallow: .*git fetch --unshallow.*\n$/);
  });

  it('exits 1 on a route pinned to a missing version', async () => {
    const result = await run(
      ['check'],
      [{ detailType: 'alarm.triggered', version: 2, routeId: 'notify-alarm' }],
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("✗ functions/routes.ts: route 'notify-alarm' pins alarm.triggered v2");
  });

  it('exits 2 with one line on an unknown base', async () => {
    const result = await run(['check', '--base', 'nope']);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(/^lakeops schemas: --base nope is not a commit of the repository at .+\n$/);
  });
});

describe('lakeops schemas on this repository', () => {
  it('check passes with the real route table', async () => {
    // Act
    const { ctx, out } = context(repoRoot);
    const code = await main(['schemas', 'check'], ctx, [schemasCommand]);
    // Assess
    expect(out.stdout).toMatch(/^schemas check: \d+ schemas, \d+ route pins?, ok/);
    expect(code).toBe(0);
  });

  it('list prints every schema', async () => {
    const { ctx, out } = context(repoRoot);
    expect(await main(['schemas', 'list'], ctx, [schemasCommand])).toBe(0);
    expect(out.stdout).toContain('deploy.failed');
    expect(out.stdout).toContain('packages/contracts/events/user.tombstoned.v1.schema.json');
  });
});
