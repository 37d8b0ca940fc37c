import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Route } from '@lakeops/functions/lib/route';
import { describe, expect, it } from 'vitest';
import { runRoute } from '../src/commands/run.ts';
import { main } from '../src/main.ts';
import { captureContext } from './capture-context.ts';

const context = (home: string) => captureContext({ env: { LAKEOPS_HOME: home } });

const tmpHome = () => mkdtemp(join(tmpdir(), 'lakeops-run-'));

const base = { description: 'test', function: 'x', timeoutSeconds: 10, memoryMB: 128, permissions: [] };
const routes: Route[] = [
  { ...base, id: 'nightly', kind: 'schedule', schedule: 'cron(0 3 * * ? *)', timezone: 'Europe/Berlin' },
  { ...base, id: 'on-deploy', kind: 'event', pattern: { source: ['marketplace.deploy'] } },
];

/** A runtime with the routes above whose invoke records what it was given. */
function fakeRuntime(result: unknown = { status: 'processed', result: null }) {
  const calls: { routeId: string; event: Record<string, unknown> }[] = [];
  return {
    calls,
    runtime: {
      routes,
      invoke: async (routeId: string, event: Record<string, unknown>) => {
        calls.push({ routeId, event });
        if (result instanceof Error) throw result;
        return result;
      },
    },
  };
}

describe('lakeops run <route-id>', () => {
  it('invokes a schedule route with a Scheduler-like event for --at', async () => {
    // Prepare
    const { runtime, calls } = fakeRuntime();
    const { ctx, out } = context(await tmpHome());
    // Act
    const code = await runRoute(runtime, 'nightly', { at: '2026-11-27T02:00:00Z' }, ctx);
    // Assess
    expect(code).toBe(0);
    expect(calls).toEqual([
      {
        routeId: 'nightly',
        event: expect.objectContaining({
          source: 'aws.scheduler',
          'detail-type': 'Scheduled Event',
          time: '2026-11-27T02:00:00Z',
          resources: ['arn:aws:scheduler:us-east-1:000000000000:schedule/default/nightly'],
          detail: {},
        }),
      },
    ]);
    expect(out.stdout).toMatch(/^nightly \(aws\.scheduler \/ Scheduled Event, id [0-9a-f-]+\): processed\n$/);
  });

  it('invokes an event route with the event from --event', async () => {
    // Prepare
    const { runtime, calls } = fakeRuntime();
    const { ctx } = context(await tmpHome());
    // Act
    const code = await runRoute(runtime, 'on-deploy', { event: 'examples/deploy-succeeded.event.json' }, ctx);
    // Assess
    expect(code).toBe(0);
    expect(calls[0]?.event).toMatchObject({
      id: '5b1f0c3e-8a4d-4c62-9f0e-2d7a9c1e4b11',
      source: 'marketplace.deploy',
    });
  });

  it('exits 1 with the reason when the function parks the event or throws', async () => {
    // Prepare
    const parked = fakeRuntime({ status: 'parked', code: 'EventInvalid', message: 'bad' });
    const thrown = fakeRuntime(new Error('warehouse down'));
    const a = context(await tmpHome());
    const b = context(await tmpHome());
    // Act
    const codes = [
      await runRoute(parked.runtime, 'nightly', {}, a.ctx),
      await runRoute(thrown.runtime, 'nightly', {}, b.ctx),
    ];
    // Assess
    expect(codes).toEqual([1, 1]);
    expect(a.out.stdout).toContain('parked in the dead-letter place (EventInvalid: bad)');
    expect(b.out.stdout).toContain(': failed: warehouse down');
  });

  it.each([
    ['an unknown route', 'nope', {}, /^no route 'nope' \(routes: nightly, on-deploy\)$/],
    ['an event route without --event', 'on-deploy', {}, /give it an event with --event <file>/],
    ['--at on an event route', 'on-deploy', { at: '2026-11-27T02:00:00Z' }, /--at is for schedule routes/],
    ['a bad --at', 'nightly', { at: 'tomorrow' }, /--at 'tomorrow' is not an ISO time/],
    [
      'a missing event file',
      'on-deploy',
      { event: 'no/such.json' },
      /cannot read no\/such\.json: no such file/,
    ],
  ])('refuses %s with one clear reason', async (_name, routeId, options, message) => {
    // Prepare
    const { runtime, calls } = fakeRuntime();
    const { ctx } = context(await tmpHome());
    // Act
    const run = runRoute(runtime, routeId, options, ctx);
    // Assess
    await expect(run).rejects.toMatchObject({
      name: 'CliUsageError',
      message: expect.stringMatching(message),
    });
    expect(calls).toEqual([]);
  });

  it('runs a real route end to end: lakeops run notify-deploy --event <file>', async () => {
    // Prepare
    const home = await tmpHome();
    const events = join(home, 'two.json');
    await writeFile(events, '[]');
    const { ctx, out } = context(home);
    // Act
    const code = await main(['run', 'notify-deploy', '--event', 'examples/deploy-failed.json'], ctx);
    const bad = context(home);
    const badCode = await main(['run', 'notify-deploy', '--event', events], bad.ctx);
    // Assess
    expect(out.stderr).toBe('');
    expect(code).toBe(0);
    expect(out.stdout).toMatch(
      /notify-deploy \(marketplace\.deploy \/ deploy\.failed, id [0-9a-f-]+\): processed/,
    );
    expect(badCode).toBe(2);
    expect(bad.out.stderr).toMatch(/^lakeops run: .*two\.json: no events in the input\n$/);
  });
});
