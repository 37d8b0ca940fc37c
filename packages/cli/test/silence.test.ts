import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@lakeops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/main.ts';
import { captureContext } from './capture-context.ts';

describe('lakeops silence', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lakeops-silence-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const run = async (...args: string[]) => {
    const { ctx, out } = captureContext({ cwd: repoRoot, env: { LAKEOPS_HOME: join(dir, 'home') } });
    const code = await main(['silence', ...args], ctx);
    return { code, ...out };
  };

  it('adds, lists and expires a silence', async () => {
    // Act
    const added = await run(
      'add',
      '--match',
      'alertname="expectation.failed"',
      '--match',
      'table=~"silver\\..*"',
      '--until',
      '2099-01-01T00:00:00Z',
    );
    const id = added.stdout.trim();
    const listed = await run('list', '--json');
    const expired = await run('expire', '--id', id);
    const after = await run('list', '--json');
    const again = await run('expire', '--id', id);
    // Assess
    expect(added.code).toBe(0);
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({
        id,
        until: '2099-01-01T00:00:00.000Z',
        matchers: ['alertname="expectation.failed"', 'table=~"silver\\..*"'],
      }),
    ]);
    expect(expired.code).toBe(0);
    expect(JSON.parse(after.stdout)).toEqual([]);
    expect(again.code).toBe(1);
  });

  it.each([
    ['a malformed matcher', ['add', '--match', 'table~x', '--until', '2099-01-01T00:00:00Z']],
    ['an end in the past', ['add', '--match', 'a="b"', '--until', '2000-01-01T00:00:00Z']],
    ['no matcher', ['add', '--until', '2099-01-01T00:00:00Z']],
    ['no end', ['add', '--match', 'a="b"']],
  ])('refuses %s with exit 2', async (_what, args) => {
    // Act
    const r = await run(...args);
    // Assess
    expect(r.code).toBe(2);
  });
});
