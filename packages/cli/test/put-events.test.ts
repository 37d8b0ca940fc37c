import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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
        source: 'marketplace.experiments',
        'detail-type': 'exp.exposed',
        time: '2026-11-27T10:00:00Z',
        detail: {
          v: 1,
          exp_key: 'search-ranking-v3',
          variant: 'treatment',
          user_id: 'usr_8f2c1a',
          exposed_at: '2026-11-27T10:00:00.250Z',
        },
      }),
    );
    const { ctx, out } = context(home);
    // Act
    const code = await main(['put-events', file], ctx);
    // Assess
    expect(code).toBe(1);
    expect(out.stderr).toBe(
      'lakeops put-events: no route takes event 1 (marketplace.experiments / exp.exposed, id stray-1)\n',
    );
    expect(await bronzeIds(home)).toEqual(['stray-1']);
  });

  it('exits only when the notifications it started are sent or parked (429 Retry-After, 500, 400)', async () => {
    // Prepare: Slack fails once with 500, then takes both; PagerDuty asks to wait 1 s once, takes
    // the first deploy's change event, then refuses the second's with 400 (parked at once).
    const seen: string[] = [];
    const script = { slack: [500, 200, 200], pager: [429, 202, 400] };
    const hook = createServer(async (req, res) => {
      for await (const _ of req);
      const which = req.url === '/slack' ? 'slack' : 'pager';
      const status = script[which].shift() ?? 500;
      seen.push(`${which}:${status}`);
      res.writeHead(status, status === 429 ? { 'retry-after': '1' } : {}).end('x');
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;
    closers.push(() => new Promise<void>((r) => hook.close(() => r())));
    const home = await tmpHome();
    const file = join(home, 'two.json');
    const deploy = JSON.parse(
      await readFile(join(repoRoot, 'examples/deploy-failed.json'), 'utf8'),
    ) as unknown[];
    await writeFile(file, JSON.stringify([...deploy, ...deploy]));
    const { ctx, out } = captureContext({
      env: {
        LAKEOPS_HOME: home,
        SLACK_WEBHOOK_URL: `${base}/slack`,
        PAGERDUTY_ROUTING_KEY: 'rk',
        PAGERDUTY_EVENTS_URL: `${base}/v2/enqueue`,
      },
    });
    // Act
    const code = await main(['put-events', file], ctx);
    const atExit = [...seen].sort();
    const parked = await readFile(join(home, 'dead-letter', 'notify-deploy.jsonl'), 'utf8');
    // Assess
    expect(code, out.stdout + out.stderr).toBe(0);
    expect(atExit).toEqual(['pager:202', 'pager:400', 'pager:429', 'slack:200', 'slack:200', 'slack:500']);
    expect(parked.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(parked)).toMatchObject({
      routeId: 'notify-deploy',
      event: { kind: 'notification', channel: 'pagerduty' },
      reason: { retryable: false, details: { status: 400 } },
    });
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

  describe('an endpoint that dies mid-send', () => {
    type Answer = { EventId?: string; ErrorCode?: string; ErrorMessage?: string };
    /**
     * A real HTTP server speaking PutEvents (AWS JSON 1.1): it records the entries of each batch,
     * answers `answer(batch)` and, from batch `dieAt` on, cuts the connection and stops listening.
     */
    async function putEventsServer(options: {
      dieAt?: number;
      answer?: (
        entries: { Detail: string }[],
      ) => { EventId?: string; ErrorCode?: string; ErrorMessage?: string }[];
    }) {
      const batches: { Detail: string }[][] = [];
      const server = createServer((req: IncomingMessage, res: ServerResponse) => {
        let body = '';
        req.on('data', (chunk) => {
          body += String(chunk);
        });
        req.on('end', () => {
          if (options.dieAt !== undefined && batches.length + 1 >= options.dieAt) {
            req.socket.destroy();
            server.close();
            server.closeAllConnections();
            return;
          }
          const { Entries } = JSON.parse(body) as { Entries: { Detail: string }[] };
          batches.push(Entries);
          const answered: Answer[] =
            options.answer?.(Entries) ?? Entries.map((_, i) => ({ EventId: `id-${batches.length}-${i}` }));
          res.setHeader('content-type', 'application/x-amz-json-1.1');
          res.end(
            JSON.stringify({
              FailedEntryCount: answered.filter((a) => a.ErrorCode).length,
              Entries: answered,
            }),
          );
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      closers.push(
        () =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      );
      const { port } = server.address() as { port: number };
      const sent = () => batches.flat().map((e) => (JSON.parse(e.Detail) as { n: number }).n);
      return { url: `http://127.0.0.1:${port}`, sent };
    }
    /** 45 AWS CLI entries whose Detail carries their number. */
    async function entriesFile(): Promise<string> {
      const dir = await tmpHome();
      const file = join(dir, 'entries.json');
      const entries = Array.from({ length: 45 }, (_, i) => ({
        Source: 'test.producer',
        DetailType: 'test.thing',
        Detail: JSON.stringify({ n: i + 1 }),
      }));
      await writeFile(file, JSON.stringify(entries));
      return file;
    }

    it('prints each batch as answered, then how many were accepted and which entries were not', async () => {
      // Prepare: batches 1-3 (entries 1-30) answered, then the endpoint is gone.
      const server = await putEventsServer({ dieAt: 4 });
      const file = await entriesFile();
      const { ctx, out } = context(await tmpHome());
      // Act
      const code = await main(['put-events', file, '--endpoint', server.url], ctx);
      // Assess
      expect(code).toBe(1);
      expect(server.sent()).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      const accepted = out.stdout.split('\n').filter((l) => / → accepted, id /.test(l));
      expect(accepted).toHaveLength(30);
      expect(accepted[29]).toMatch(/^event 30 \(test\.producer \/ test\.thing\) → accepted, id id-3-9$/);
      expect(out.stderr.trim().split('\n')).toHaveLength(1);
      expect(out.stderr).toMatch(
        /^lakeops put-events: .+; 30 of 45 entries accepted; not accepted: entries 31–45 \(not sent or unanswered\); send only those with --from-entry 31\n$/,
      );
    });

    it('sends only the entries from --from-entry on', async () => {
      // Prepare
      const server = await putEventsServer({});
      const file = await entriesFile();
      const { ctx, out } = context(await tmpHome());
      // Act
      const code = await main(['put-events', file, '--endpoint', server.url, '--from-entry', '31'], ctx);
      // Assess
      expect(out.stderr).toBe('');
      expect(code).toBe(0);
      expect(server.sent()).toEqual(Array.from({ length: 15 }, (_, i) => i + 31));
      expect(out.stdout).toMatch(/^event 31 \(test\.producer \/ test\.thing\) → accepted/m);
      expect(out.stdout).not.toMatch(/^event 30 /m);
    });

    it('names the entries the endpoint refused one by one', async () => {
      // Prepare: every 7th entry refused (a partial failure, FailedEntryCount > 0).
      const server = await putEventsServer({
        answer: (entries) =>
          entries.map((e, i) =>
            (JSON.parse(e.Detail) as { n: number }).n % 7 === 0
              ? { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }
              : { EventId: `ok-${i}` },
          ),
      });
      const file = await entriesFile();
      const { ctx, out } = context(await tmpHome());
      // Act
      const code = await main(['put-events', file, '--endpoint', server.url], ctx);
      // Assess
      expect(code).toBe(1);
      expect(out.stderr.trim().split('\n').at(-1)).toBe(
        'lakeops put-events: 39 of 45 entries accepted; not accepted: entries 7, 14, 21, 28, 35, 42 (refused)',
      );
    });
  });
});
