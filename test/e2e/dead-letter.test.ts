import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ParkedEvent } from '@lakeops/core';
import { repoRoot } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';

/** Runs the real `lakeops` bin in a child process, as a user's `npx lakeops` does. */
function lakeops(args: string[], home: string) {
  const r = spawnSync(process.execPath, [join(repoRoot, 'packages/cli/bin/lakeops.js'), ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', LAKEOPS_HOME: home, HOME: process.env.HOME ?? '' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npx lakeops dead-letter (the real bin)', () => {
  it('lists an event the local bus parked and redrives it into the outbox, once', async () => {
    // Prepare: what the local bus writes after its retries ran out
    const home = await mkdtemp(join(tmpdir(), 'lakeops-e2e-dlq-'));
    const parked: ParkedEvent = {
      v: 1,
      routeId: 'notify-deploy',
      event: {
        version: '0',
        id: 'e2e-parked-1',
        source: 'marketplace.deploy',
        'detail-type': 'deploy.failed',
        account: '000000000000',
        time: '2026-11-27T10:02:05Z',
        region: 'us-east-1',
        resources: [],
        detail: {
          v: 1,
          service: 'payments-api',
          environment: 'production',
          version: '1.4.2',
          started_at: '2026-11-27T10:00:00Z',
          finished_at: '2026-11-27T10:02:05Z',
        },
      },
      reason: { code: 'RetriesExhausted', message: '3 attempts failed; last: disk full', retryable: true },
      attempts: 3,
      parkedAt: '2026-11-27T10:03:00.000Z',
      parkedBy: 'local-bus',
    };
    await mkdir(join(home, 'dead-letter'), { recursive: true });
    await writeFile(join(home, 'dead-letter', 'notify-deploy.jsonl'), `${JSON.stringify(parked)}\n`);
    // Act
    const listed = lakeops(['dead-letter', 'list'], home);
    const redriven = lakeops(['dead-letter', 'redrive', '--route', 'notify-deploy'], home);
    const after = lakeops(['dead-letter', 'list'], home);
    const again = lakeops(['dead-letter', 'redrive'], home);
    // Assess
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(
      'notify-deploy  parked by local-bus at 2026-11-27T10:03:00.000Z, 3 attempts: RetriesExhausted: 3 attempts failed; last: disk full (marketplace.deploy / deploy.failed, event id e2e-parked-1)',
    );
    expect(redriven).toMatchObject({ code: 0, stderr: '' });
    expect(redriven.stdout).toMatch(/→ notify-deploy: processed\nredriven 1 of 1\n$/);
    expect(after.stdout).toBe('nothing parked\n');
    expect(again.code).toBe(0);
    const outbox = readFileSync(join(home, 'outbox', 'notifications.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(outbox).toHaveLength(1);
    expect(JSON.parse(outbox[0] ?? '')).toMatchObject({ sourceEventId: 'e2e-parked-1' });
  });
});
