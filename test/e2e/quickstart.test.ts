import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';

/** Runs the real `lakeops` bin in a child process, as a user's `npx lakeops` does. */
function lakeops(args: string[], home: string, node = process.execPath) {
  const r = spawnSync(node, [join(repoRoot, 'packages/cli/bin/lakeops.js'), ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', LAKEOPS_HOME: home, HOME: process.env.HOME ?? '' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tmpHome = () => mkdtemp(join(tmpdir(), 'lakeops-e2e-'));

describe('quick start: npx lakeops put-events', () => {
  it('turns a deploy.failed example into a notification in the outbox', async () => {
    // Prepare
    const home = await tmpHome();
    // Act
    const r = lakeops(['put-events', 'examples/deploy-failed.json'], home);
    // Assess
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('[error] Deploy failed: payments-api 1.4.2 → production');
    expect(r.stdout).toMatch(
      /event 1 \(marketplace\.deploy \/ deploy\.failed, id [0-9a-f-]+\) → notify-deploy: processed/,
    );
    const outbox = readFileSync(join(home, 'outbox', 'notifications.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(outbox).toHaveLength(1);
    expect(JSON.parse(outbox[0] ?? '')).toMatchObject({
      severity: 'error',
      title: 'Deploy failed: payments-api 1.4.2 → production',
      fields: { service: 'payments-api', environment: 'production', duration: '2m 05s' },
    });
  });

  it('accepts a whole EventBridge event as well', async () => {
    const home = await tmpHome();
    const r = lakeops(['put-events', 'examples/deploy-succeeded.event.json'], home);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('[info] Deployed: search-api 2.8.0 → staging');
  });

  it('quarantines an event that breaks its contract, with every reason, says so, and the function parks it', async () => {
    const home = await tmpHome();
    const file = join(home, 'bad.json');
    await writeFile(
      file,
      JSON.stringify([{ Source: 'marketplace.deploy', DetailType: 'deploy.failed', Detail: '{"v":1}' }]),
    );
    const r = lakeops(['put-events', file], home);
    expect(r.code).toBe(1);
    const ours = r.stderr.split('\n').filter((line) => line.startsWith('lakeops put-events:'));
    expect(ours).toHaveLength(1);
    expect(ours[0]).toMatch(/quarantined .*\/detail\/service is required; \/detail\/environment is required/);
    // Accepted as EventBridge would, so it reaches notify-deploy, whose contract check parks it.
    expect(r.stdout).toMatch(/→ notify-deploy: parked in the dead-letter place \(EventInvalid/);
    const quarantine = join(home, 'lake', 'bronze', '_quarantine');
    expect(existsSync(quarantine)).toBe(true);
    expect(existsSync(join(home, 'outbox', 'notifications.jsonl'))).toBe(false);
  });
});

describe('user mistakes: one clear line, non-zero exit, never a stack trace', () => {
  const cases: [string, (home: string) => Promise<string[]>, number, RegExp][] = [
    [
      'a missing file',
      async () => ['put-events', 'no/such/file.json'],
      2,
      /^lakeops put-events: cannot read no\/such\/file\.json: no such file\n$/,
    ],
    [
      'a file that is not JSON',
      async (home) => {
        await writeFile(join(home, 'x.json'), 'this is not json');
        return ['put-events', join(home, 'x.json')];
      },
      2,
      /^lakeops put-events: .*x\.json: not JSON\n$/,
    ],
    [
      'an event no route takes',
      async (home) => {
        await writeFile(
          join(home, 'y.json'),
          JSON.stringify([{ Source: 'nobody.home', DetailType: 'nothing', Detail: '{}' }]),
        );
        return ['put-events', join(home, 'y.json')];
      },
      1,
      /^lakeops put-events: no route takes event 1 \(nobody\.home \/ nothing, id [0-9a-f-]+\)\n$/,
    ],
    ['no file at all', async () => ['put-events'], 2, /^lakeops put-events: missing <file>/],
    ['an unknown command', async () => ['frobnicate'], 2, /^lakeops: unknown command 'frobnicate'/],
  ];

  it.each(cases)('%s', async (_name, argsFor, code, stderr) => {
    const home = await tmpHome();
    const r = lakeops(await argsFor(home), home);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(stderr);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('the lakeops command', () => {
  it('has --help for itself and for each command', async () => {
    const home = await tmpHome();
    const top = lakeops(['--help'], home);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('put-events');
    const sub = lakeops(['put-events', '--help'], home);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain('Usage: lakeops put-events <file|->');
  });

  it('runs on Node 24 even when started by an older node on PATH', async () => {
    const home = await tmpHome();
    const systemNode = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => existsSync(p));
    const r = lakeops(['--version'], home, systemNode ?? process.execPath);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^lakeops \d+\.\d+\.\d+ \(node v24\./);
  });
});
