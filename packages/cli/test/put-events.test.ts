import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DurableEventBus, EventBridgeEndpoint } from '@lakeops/local-cloud';
import { InMemoryDeadLetter, repoRoot } from '@lakeops/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/main.ts';
import { captureContext } from './capture-context.ts';

const context = (home: string, cwd = repoRoot) => captureContext({ env: { LAKEOPS_HOME: home }, cwd });

async function bronzeIds(home: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  const root = join(home, 'lake/bronze/events');
  const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.json'));
  const lines = (await Promise.all(files.map((f) => readFile(join(root, f), 'utf8')))).join('').split('\n');
  return lines.filter((l) => l !== '').map((l) => (JSON.parse(l) as { id: string }).id);
}

const tmpHome = () => mkdtemp(join(tmpdir(), 'lakeops-put-'));
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers) await close();
});

describe('lakeops put-events <file> (no server)', () => {
  it('archives the event in Bronze, then runs the function through the chain', async () => {
    // Prepare
    const home = await tmpHome();
    const { ctx, out } = context(home);
    // Act
    const code = await main(['put-events', 'examples/deploy-failed.json'], ctx);
    // Assess
    expect(out.stderr).toBe('');
    expect(code).toBe(0);
    const [line] = out.stdout.split('\n').filter((l) => l.startsWith('event 1'));
    const id = /id ([0-9a-f-]+)\)/.exec(line ?? '')?.[1];
    expect(line).toMatch(
      /^event 1 \(marketplace\.deploy \/ deploy\.failed, id [0-9a-f-]+\) → notify-deploy: processed$/,
    );
    expect(await bronzeIds(home)).toEqual([id]);
    expect(await readFile(join(home, 'outbox/notifications.jsonl'), 'utf8')).toContain('Deploy failed');
  });

  it('quarantines an event that breaks its contract, masked, with a one-line reason and exit 1', async () => {
    // Prepare
    const home = await tmpHome();
    const file = join(home, 'bad.json');
    await writeFile(
      file,
      JSON.stringify([
        {
          Source: 'marketplace.deploy',
          DetailType: 'deploy.failed',
          Detail: '{"v":1,"service":"ops@example.com"}',
        },
      ]),
    );
    const { ctx, out } = context(home);
    // Act
    const code = await main(['put-events', file], ctx);
    // Assess
    expect(code).toBe(1);
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
    expect(out.stderr).toMatch(
      /^lakeops put-events: event 1 \(marketplace\.deploy \/ deploy\.failed, id [0-9a-f-]+\) quarantined/,
    );
    expect(out.stderr).not.toContain('ops@example.com');
    const { readdir } = await import('node:fs/promises');
    const qdir = join(home, 'lake/bronze/_quarantine');
    const files = (await readdir(qdir, { recursive: true })).filter((f) => f.endsWith('.json'));
    const text = (await Promise.all(files.map((f) => readFile(join(qdir, f), 'utf8')))).join('');
    expect(text).toContain('"pointer":"/detail/service"');
    expect(text).not.toContain('ops@example.com');
  });

  it.each([
    [
      'a missing file',
      ['put-events', 'no/such/file.json'],
      2,
      /^lakeops put-events: cannot read no\/such\/file\.json: no such file\n$/,
    ],
    ['no file', ['put-events'], 2, /^lakeops put-events: missing <file>/],
    [
      'an unknown option',
      ['put-events', 'x.json', '--nope'],
      2,
      /^lakeops put-events: Unknown option '--nope'/,
    ],
    [
      'a bad endpoint URL',
      ['put-events', 'examples/deploy-failed.json', '--endpoint', 'not a url'],
      2,
      /is not a URL/,
    ],
    [
      'an endpoint nobody serves',
      ['put-events', 'examples/deploy-failed.json', '--endpoint', 'http://127.0.0.1:9'],
      1,
      /^lakeops put-events: nothing answers at http:\/\/127\.0\.0\.1:9/,
    ],
  ])('says one line on %s', async (_name, args, exitCode, stderr) => {
    // Prepare
    const { ctx, out } = context(await tmpHome());
    // Act
    const code = await main(args, ctx);
    // Assess
    expect(code).toBe(exitCode);
    expect(out.stderr).toMatch(stderr);
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('says one line for an event no route takes, and still archives it', async () => {
    // Prepare
    const home = await tmpHome();
    const file = join(home, 'stray.json');
    await writeFile(
      file,
      JSON.stringify({
        id: 'stray-1',
        source: 'marketplace.edge',
        'detail-type': 'waf.block',
        time: '2026-11-27T10:00:00Z',
        detail: { v: 1, blocked_at: '2026-11-27T10:00:00Z', web_acl: 'edge', rule_id: 'r', action: 'BLOCK' },
      }),
    );
    const { ctx, out } = context(home);
    // Act
    const code = await main(['put-events', file], ctx);
    // Assess
    expect(code).toBe(1);
    expect(out.stderr).toBe(
      'lakeops put-events: no route takes event 1 (marketplace.edge / waf.block, id stray-1)\n',
    );
    expect(await bronzeIds(home)).toEqual(['stray-1']);
  });
});

describe('lakeops put-events <file> --endpoint <url>', () => {
  it('sends the events through the SDK to a running endpoint and prints the ids it assigned', async () => {
    // Prepare
    const serverHome = await tmpHome();
    const delivered: string[] = [];
    const bus = await DurableEventBus.open({
      home: serverHome,
      rules: [{ id: 'deploys', pattern: { source: ['marketplace.deploy'] } }],
      invoke: async (routeId, event) => {
        delivered.push(`${routeId} ${String(event.id)}`);
        return {};
      },
      deadLetter: new InMemoryDeadLetter(),
    });
    const endpoint = await EventBridgeEndpoint.start({ bus, port: 0 });
    closers.push(async () => {
      await endpoint.close();
      await bus.close();
    });
    const { ctx, out } = context(await tmpHome());
    // Act
    const code = await main(['put-events', 'examples/deploy-failed.json', '--endpoint', endpoint.url], ctx);
    await bus.idle();
    // Assess
    expect(out.stderr).toBe('');
    expect(code).toBe(0);
    const id = /^event 1 \(marketplace\.deploy \/ deploy\.failed\) → accepted, id ([0-9a-f-]+)$/m.exec(
      out.stdout,
    )?.[1];
    expect(id).toBeDefined();
    expect(await bronzeIds(serverHome)).toEqual([id]);
    expect(delivered).toEqual([`deploys ${id}`]);
  });
});
