import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, ListRulesCommand, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { repoRoot } from '@lakeops/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/main.ts';
import { captureContext } from './capture-context.ts';

const context = (home: string, controller = new AbortController()) =>
  captureContext({ env: { LAKEOPS_HOME: home }, controller });

async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const tmpHome = () => mkdtemp(join(tmpdir(), 'lakeops-start-'));
const cleanup: (() => void | Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup) await c();
});

describe('lakeops start', () => {
  it('seeds the demo lake first, and stops cleanly on Ctrl-C during the seed', async () => {
    // Prepare
    const home = await tmpHome();
    const { ctx, out, controller } = context(home);
    Object.assign(ctx.stderr, { isTTY: true }); // progress is shown on a terminal only
    // Act: interrupt after the first seeded day.
    const running = main(['start', '--port', '0'], ctx);
    await until(() => / 1\/14 /.test(out.stderr), 'the first seeded day', 60_000);
    controller.abort();
    const code = await running;
    // Assess
    expect(code).toBe(130);
    expect(out.stderr).toContain('lakeops start: stopped while seeding the demo lake');
    expect(out.stdout).not.toContain('Ready.');
    expect(await readdir(join(home, 'lake', 'bronze')).catch(() => [])).not.toContain('accounts_snapshot');
  });

  it('serves the endpoint, routes events to the functions, prints what happens, and stops on abort', async () => {
    // Prepare
    const home = await tmpHome();
    const { ctx, out, controller } = context(home);
    cleanup.push(() => controller.abort());
    const running = main(['start', '--port', '0', '--no-seed'], ctx);
    await until(() => out.stdout.includes('Ready.'), 'Ready.');
    const url = /endpoint\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out.stdout)?.[1] as string;
    const client = new EventBridgeClient({
      endpoint: url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    cleanup.push(() => client.destroy());
    const entries = JSON.parse(await readFile(join(repoRoot, 'examples/deploy-failed.json'), 'utf8'));

    // Act
    const put = await client.send(new PutEventsCommand({ Entries: entries }));
    const id = put.Entries?.[0]?.EventId as string;
    await until(() => out.stdout.includes(`notify-deploy ← event ${id}: processed`), 'the function run');
    const rules = await client.send(new ListRulesCommand({}));
    controller.abort();
    const code = await running;

    // Assess
    expect(code).toBe(0);
    expect(out.stderr).toBe('');
    expect(out.stdout).toContain(
      `aws events put-events --endpoint-url ${url} --region us-east-1 --entries file://examples/deploy-failed.json`,
    );
    expect(out.stdout).toContain(`← event ${id} marketplace.deploy / deploy.failed → notify-deploy`);
    expect(out.stdout).not.toContain('migration 0042'); // a payload field: never printed
    expect(out.stdout.trimEnd().endsWith('Stopped.')).toBe(true);
    expect(rules.Rules?.map((r) => r.Name)).toEqual([
      'alert-record',
      'dsar-intake',
      'notify-deploy',
      'nrt-complete',
      'nrt-rebuild',
      'permission-sync',
      'sre-waf-metrics',
    ]);
    const dir = join(home, 'lake/bronze/events');
    const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(1);
    expect(await readFile(join(dir, files[0] as string), 'utf8')).toContain(`"id":"${id}"`);
  });

  it('records an alarm from the endpoint and its alert-flush schedule sends it (outbox, no URLs set)', async () => {
    // Prepare: a routing config without group_wait, schedule time 60× faster (alert-flush every second)
    const home = await tmpHome();
    await writeFile(
      join(home, 'routing.yml'),
      'route:\n  receiver: team\n  group_wait: 0s\nreceivers:\n  - name: team\n',
    );
    const controller = new AbortController();
    cleanup.push(() => controller.abort());
    const { ctx, out } = captureContext({
      env: {
        LAKEOPS_HOME: home,
        LAKEOPS_SCHEDULE_SPEED: '60',
        LAKEOPS_ALERTING_CONFIG: join(home, 'routing.yml'),
      },
      controller,
    });
    const running = main(['start', '--port', '0', '--no-seed'], ctx);
    await until(() => out.stdout.includes('Ready.'), 'Ready.');
    const url = /endpoint\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out.stdout)?.[1] as string;
    const client = new EventBridgeClient({
      endpoint: url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    cleanup.push(() => client.destroy());
    const outbox = join(home, 'outbox', 'notifications.jsonl');
    const sent = async () => (await readFile(outbox, 'utf8').catch(() => '')).trim();
    // Act
    await client.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'marketplace.monitoring',
            DetailType: 'alarm.triggered',
            Detail: JSON.stringify({
              v: 1,
              alarm_name: 'payments-api-5xx',
              state: 'ALARM',
              severity: 'error',
              reason: '5xx above 2%',
            }),
          },
        ],
      }),
    );
    let text = '';
    const deadline = Date.now() + 20_000;
    while (text === '' && Date.now() < deadline) {
      text = await sent();
      await new Promise((r) => setTimeout(r, 50));
    }
    controller.abort();
    const code = await running;
    // Assess
    expect(code).toBe(0);
    expect(out.stdout).toMatch(/alert-record ← event [^:]+: processed/);
    expect(out.stdout).toMatch(/schedule alert-flush due/);
    expect(text.split('\n')).toHaveLength(1);
    expect(JSON.parse(text)).toMatchObject({
      title: expect.stringContaining('[FIRING:1]'),
      text: expect.stringContaining('payments-api-5xx'),
    });
  });

  it('says one line when the port is taken', async () => {
    // Prepare
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const port = (blocker.address() as { port: number }).port;
    const { ctx, out } = context(await tmpHome());
    // Act
    const code = await main(['start', '--port', String(port), '--no-seed'], ctx);
    // Assess
    expect(code).toBe(1);
    expect(out.stderr).toBe(
      `lakeops start: port ${port} is in use (is lakeops start already running? use --port or LAKEOPS_PORT)\n`,
    );
  });

  it('refuses a bad --port', async () => {
    // Act / Assess (one call, one expectation each)
    const { ctx, out } = context(await tmpHome());
    expect(await main(['start', '--port', 'http'], ctx)).toBe(2);
    expect(out.stderr).toBe("lakeops start: --port must be a port number (0-65535), got 'http'\n");
  });

  it('shuts down cleanly on Ctrl-C (SIGINT) as a real process', async () => {
    // Prepare
    const home = await tmpHome();
    const proc = startProcess(home);
    await until(() => proc.stdout.includes('Ready.'), `Ready. (stderr: ${proc.stderr})`);
    // Act
    proc.child.kill('SIGINT');
    const code = await proc.exited;
    // Assess
    expect(code).toBe(0);
    expect(proc.stderr).toBe('');
    expect(proc.stdout).toContain('Stopping');
    expect(proc.stdout.trimEnd().endsWith('Stopped.')).toBe(true);
  });

  it('refuses a second start on the same home in one line naming the PID holding it', async () => {
    // Prepare
    const home = await tmpHome();
    const first = startProcess(home);
    await until(() => first.stdout.includes('Ready.'), `Ready. (stderr: ${first.stderr})`);
    // Act
    const second = startProcess(home);
    await until(() => second.child.exitCode !== null || second.stdout.includes('Ready.'), 'an answer');
    const code = second.child.exitCode;
    // Assess
    expect(code).toBe(1);
    expect(second.stderr).toBe(
      `lakeops start: ${home} is in use by another lakeops start (pid ${first.child.pid}); stop it first, or set another LAKEOPS_HOME\n`,
    );
    expect(second.stdout).toBe('');
    expect(first.child.exitCode).toBe(null);
  });

  it('is not kept out by a holder that was SIGKILLed', async () => {
    // Prepare
    const home = await tmpHome();
    const crashed = startProcess(home);
    await until(() => crashed.stdout.includes('Ready.'), `Ready. (stderr: ${crashed.stderr})`);
    crashed.child.kill('SIGKILL');
    await crashed.exited;
    // Act
    const next = startProcess(home);
    await until(() => next.stdout.includes('Ready.') || next.child.exitCode !== null, 'Ready.');
    next.child.kill('SIGINT');
    const code = await next.exited;
    // Assess
    expect(next.stderr).toBe('');
    expect(code).toBe(0);
  });
});

/** `lakeops start --no-seed` as a real process on a free port, its output collected. */
function startProcess(home: string) {
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'packages/cli/bin/lakeops.js'), 'start', '--no-seed'],
    {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        LAKEOPS_HOME: home,
        LAKEOPS_PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  cleanup.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const proc = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))),
  };
  child.stdout.on('data', (d) => {
    proc.stdout += String(d);
  });
  child.stderr.on('data', (d) => {
    proc.stderr += String(d);
  });
  return proc;
}
