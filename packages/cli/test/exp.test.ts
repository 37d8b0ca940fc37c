import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@lakeops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/main.ts';
import { captureContext } from './capture-context.ts';

describe('lakeops exp', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lakeops-exp-'));
    await writeFile(
      join(dir, 'bad-flags.json'),
      JSON.stringify({
        version: '1',
        flags: { x: {} },
        values: { x: { enabled: true, salt: 's', variants: ['a'], weights: [100] } },
      }),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const run = async (...args: string[]) => {
    const { ctx, out } = captureContext({ cwd: repoRoot, env: { LAKEOPS_HOME: join(dir, 'home') } });
    const code = await main(['exp', ...args], ctx);
    return { code, ...out };
  };

  it('assign prints the variant from examples/experiments.json (bucket 46 < 5000 by Python hashlib: control), the same in a separate process', async () => {
    // Act
    const inProcess = await run('assign', '--exp', 'checkout-cta', '--user', 'u_123');
    const child = spawnSync(
      process.execPath,
      [
        join(repoRoot, 'packages/cli/bin/lakeops.js'),
        'exp',
        'assign',
        '--exp',
        'checkout-cta',
        '--user',
        'u_123',
      ],
      { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, LAKEOPS_HOME: join(dir, 'home') } },
    );
    // Assess
    expect(inProcess).toEqual({ code: 0, stdout: 'control\n', stderr: '' });
    expect({ status: child.status, stdout: child.stdout }).toEqual({ status: 0, stdout: 'control\n' });
  });

  it('assign --json gives the bucket (5010 by Python hashlib; search-ranking owns 0-199 and 1000-2799), and the reason when the user is outside the allocation', async () => {
    // Act
    const { code, stdout } = await run('assign', '--exp', 'search-ranking', '--user', 'u_1', '--json');
    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      exp: 'search-ranking',
      variant: null,
      bucket: 5010,
      in_experiment: false,
      reason: 'not-allocated',
    });
  });

  it.each([
    [
      ['assign', '--exp', 'nope', '--user', 'u1'],
      1,
      "lakeops: unknown experiment 'nope' (known: checkout-cta, search-ranking)",
    ],
    [
      ['assign', '--exp', 'dark-mode', '--user', 'u1'],
      1,
      "lakeops: 'dark-mode' is a feature flag without variants, not an experiment",
    ],
    [
      ['assign', '--exp', 'x', '--user', 'u1', '--flags', 'missing.json'],
      1,
      'lakeops: cannot read missing.json: ENOENT',
    ],
    [['assign', '--user', 'u1'], 2, 'lakeops: assign needs --exp KEY'],
    [['assign', '--exp', 'checkout-cta'], 2, 'lakeops: assign needs --user ID'],
    [['shuffle'], 2, "lakeops: unknown action 'shuffle' (assign)"],
  ])('%j fails with exit %i and one line', async (args, exitCode, line) => {
    // Act
    const { code, stdout, stderr } = await run(...args);
    // Assess
    expect({ code, stdout, stderr }).toEqual({
      code: exitCode,
      stdout: '',
      stderr: `${line.replace('lakeops:', 'lakeops exp:')}\n`,
    });
  });

  it('names the broken rule of an invalid flags file in one line', async () => {
    // Act
    const { code, stderr } = await run(
      'assign',
      '--exp',
      'x',
      '--user',
      'u1',
      '--flags',
      join(dir, 'bad-flags.json'),
    );
    // Assess
    expect(code).toBe(1);
    expect(stderr).toBe(
      `lakeops exp: ${join(dir, 'bad-flags.json')}: values.x.variants must name at least two variants\n`,
    );
  });
});
