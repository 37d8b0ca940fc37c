import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, describe, expect, it } from 'vitest';
import { expectedRoutes } from './fixtures/load-rules.ts';
import { clientFor, filesUnder, sleep, wafEntry } from './helpers.ts';

const child = join(import.meta.dirname, 'fixtures/bus-child.ts');
const started: ChildProcess[] = [];

afterAll(() => {
  for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

/** Starts the bus in a child process; resolves with its URL and how many deliveries it resumed. */
function startChild(home: string): Promise<{ proc: ChildProcess; url: string; resumable: number }> {
  const proc = spawn(process.execPath, [child, home, '--invoke-delay-ms', '3', '--log'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(proc);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`child did not start: ${err}`)), 20_000);
    proc.stderr?.on('data', (d) => {
      err += String(d);
    });
    proc.stdout?.on('data', (d) => {
      out += String(d);
      const m = /READY (\S+) (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, url: m[1] as string, resumable: Number(m[2]) });
      }
    });
    proc.once('exit', (code) => reject(new Error(`child exited ${code}: ${err}`)));
  });
}

async function bronzeLines(home: string): Promise<string[]> {
  const lines: string[] = [];
  for (const f of await filesUnder(join(home, 'lake/bronze/events'))) {
    const text = await readFile(f, 'utf8');
    expect(text.endsWith('\n'), `${f} ends with a whole line`).toBe(true);
    lines.push(...text.split('\n').filter((l) => l !== ''));
  }
  return lines;
}

async function deliveredPairs(home: string): Promise<Set<string>> {
  const text = await readFile(join(home, 'delivered.log'), 'utf8').catch(() => '');
  return new Set(text.split('\n').filter((l) => l !== ''));
}

describe('crash and restart (a real child process, SIGKILL mid-stream)', () => {
  it('keeps every event id in Bronze exactly once and makes every delivery happen', async () => {
    // Prepare: a bus under load from 4 clients
    const home = await mkdtemp(join(tmpdir(), 'lakeops-crash-'));
    const first = await startChild(home);
    const client = clientFor(first.url);
    const acked = new Set<string>();
    let stop = false;
    let n = 0;
    const sender = async () => {
      while (!stop) {
        const entries = Array.from({ length: 10 }, () => wafEntry(n++));
        try {
          const out = await client.send(new PutEventsCommand({ Entries: entries }));
          for (const e of out.Entries ?? []) if (e.EventId) acked.add(e.EventId);
        } catch {
          return; // the server is gone
        }
      }
    };
    const senders = Array.from({ length: 4 }, sender);
    const loadUntil = Date.now() + 60_000;
    while (acked.size < 1500 && Date.now() < loadUntil && first.proc.exitCode === null) await sleep(5);
    expect(acked.size, 'events acknowledged before the kill').toBeGreaterThanOrEqual(1500);

    // Act: kill it mid-stream, then start it again on the same home
    first.proc.kill('SIGKILL');
    await Promise.all(senders);
    stop = true;
    client.destroy();
    const second = await startChild(home);
    const deadline = Date.now() + 30_000;
    let events: { id: string; detail: { action?: unknown; count?: unknown } }[] = [];
    let missing: string[] = [];
    do {
      await sleep(50);
      events = (await bronzeLines(home)).map((l) => JSON.parse(l));
      const delivered = await deliveredPairs(home);
      missing = events
        .flatMap((e) => expectedRoutes(e.detail).map((r) => `${r} ${e.id}`))
        .filter((p) => !delivered.has(p));
    } while (missing.length > 0 && Date.now() < deadline);
    second.proc.kill('SIGTERM');
    const exit = await new Promise<number | null>((resolve) => second.proc.once('exit', resolve));

    // Assess
    const ids = events.map((e) => e.id);
    expect(second.resumable, 'the kill left deliveries pending').toBeGreaterThan(0);
    expect(new Set(ids).size, 'no id twice in Bronze').toBe(ids.length);
    expect(
      [...acked].filter((id) => !ids.includes(id)),
      'every acknowledged event is in Bronze',
    ).toEqual([]);
    expect(missing, 'every delivery of every archived event happened').toEqual([]);
    expect(exit).toBe(0);
  }, 120_000);
});
