import { access, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/main.ts';
import { captureContext } from './capture-context.ts';

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every event line archived in Bronze (accepted events), parsed. */
async function bronzeEvents(home: string): Promise<{ source: string; 'detail-type': string }[]> {
  const dir = join(home, 'lake', 'bronze', 'events');
  const files = (await readdir(dir, { recursive: true }).catch(() => [] as string[])).filter((f) =>
    f.endsWith('.json'),
  );
  const out: { source: string; 'detail-type': string }[] = [];
  for (const f of files) {
    for (const line of (await readFile(join(dir, f), 'utf8')).split('\n')) {
      if (line.trim()) out.push(JSON.parse(line));
    }
  }
  return out;
}

describe('lakeops start: the functions’ own events', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'lakeops-own-events-'));
    const { ctx } = captureContext({ env: { LAKEOPS_HOME: home }, cwd: home });
    expect(await main(['seed', '--days', '1', '--users', '50', '--seed', '7', '--no-build'], ctx)).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('go through the endpoint with PutEvents: checked, archived in Bronze, never to the JSONL fallback', async () => {
    // Prepare
    const controller = new AbortController();
    const { ctx, out } = captureContext({
      env: { LAKEOPS_HOME: home, LAKEOPS_SCHEDULE_SPEED: '300' },
      cwd: home,
      controller,
    });
    const before = (await bronzeEvents(home)).filter((e) => e.source === 'lakeops.nrt').length;
    // Act
    const running = main(['start', '--port', '0', '--no-seed'], ctx);
    try {
      await until(() => out.stdout.includes('Ready.'), 'Ready.');
      await until(
        async () => (await bronzeEvents(home)).some((e) => e['detail-type'] === 'nrt.refreshed'),
        'an nrt.refreshed event archived in Bronze',
      ).catch((e) => {
        console.error(out.stdout.slice(-3000), out.stderr.slice(-2000));
        throw e;
      });
    } finally {
      controller.abort();
      await running;
    }
    // Assess
    expect(before).toBe(0);
    const own = (await bronzeEvents(home)).filter((e) => e.source === 'lakeops.nrt');
    expect(own.map((e) => e['detail-type'])).toContain('nrt.refreshed');
    await expect(access(join(home, 'events', 'published.jsonl'))).rejects.toThrow();
  }, 120_000);
});
