import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { FsObjectStore } from '@lakeops/adapters-local';
import { seedBronze, tables } from '@lakeops/lake';
import { repoRoot } from '@lakeops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const q = (s: string) => `'${s.replaceAll("'", "''")}'`;
const views = tables.filter((t) => t.zone === 'nrt');

/** Runs `lakeops nrt refresh` as a child process; kills it with SIGKILL after `killAfterMs` when given. */
function refreshProcess(
  home: string,
  args: string[] = [],
  killAfterMs?: number,
  leaseSeconds = 1,
): Promise<{ code: number | null; signal: string | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [join(repoRoot, 'packages/cli/bin/lakeops.js'), 'nrt', 'refresh', ...args],
      {
        cwd: repoRoot,
        env: {
          PATH: process.env.PATH ?? '',
          LAKEOPS_HOME: home,
          LAKEOPS_NRT_LEASE_SECONDS: String(leaseSeconds),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    child.stderr.on('data', (d) => {
      stdout += `ERR ${String(d)}`;
    });
    child.stdout.on('data', (d) => {
      stdout += String(d);
    });
    const timer =
      killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout });
    });
  });
}

/** Per view and hour partition, read by an independent DuckDB: row count and a checksum of the rows. */
async function viewState(lake: string): Promise<Record<string, string>> {
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  const out: Record<string, string> = {};
  for (const t of views) {
    const dir = join(lake, t.zone, t.name);
    const files = (await readdir(dir, { recursive: true }).catch(() => [] as string[]))
      .filter((f) => f.endsWith('.parquet') && !f.startsWith('.') && !f.includes('/.') && !f.startsWith('_'))
      .map((f) => join(dir, f));
    if (!files.length) continue;
    const cols = t.columns.map((c) => `"${c.name}"`).join(', ');
    const r = await db.runAndReadAll(
      `SELECT dt, hour, CAST(count(*) AS VARCHAR) || ':' || CAST(sum(CAST(hash(${cols}) AS HUGEINT)) AS VARCHAR) AS state
       FROM read_parquet([${files.map(q).join(', ')}], hive_partitioning = true, union_by_name = true)
       GROUP BY dt, hour`,
    );
    for (const row of r.getRowObjectsJS()) out[`${t.name}/${row.dt}/${row.hour}`] = String(row.state);
  }
  return out;
}

describe('NRT refresh killed with SIGKILL, or started twice at once', () => {
  let home: string;
  let lake: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'lakeops-nrt-kill-'));
    lake = join(home, 'lake');
    await seedBronze(
      { store: new FsObjectStore({ root: lake }) },
      { days: 2, users: 300, seed: 11, end: new Date() },
    );
  }, 120_000);
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('two refreshes started together write each view once', async () => {
    // Act: a lease long enough that neither run outlives it, however slow the machine.
    const [a, b] = await Promise.all([
      refreshProcess(home, [], undefined, 120),
      refreshProcess(home, [], undefined, 120),
    ]);
    // Assess
    expect([a.code, b.code], `${a.stdout}${b.stdout}`).toEqual([0, 0]);
    // The views (their carry-over state tables are written under the same lease, not reported).
    for (const t of views.filter((v) => !v.name.endsWith('_open'))) {
      const lines = `${a.stdout}${b.stdout}`.split('\n').filter((l) => l.startsWith(`nrt.${t.name}:`));
      expect(lines, t.name).toHaveLength(2);
      expect(
        lines.filter((l) => l.includes(': refreshed hours')),
        t.name,
      ).toHaveLength(1);
    }
  }, 120_000);

  it('leaves every hour at its previous or its next version when killed, and the next refresh repairs it', async () => {
    // Prepare: the views as they are, then new events in the current hour.
    const before = await viewState(lake);
    expect(Object.keys(before).length).toBeGreaterThan(0);
    const at = new Date(Date.now() - 1000).toISOString();
    const dir = join(lake, 'bronze/events', `dt=${at.slice(0, 10)}`, `hour=${at.slice(11, 13)}`);
    await mkdir(dir, { recursive: true });
    const envelope = (id: string, type: string, source: string, detail: object) =>
      JSON.stringify({
        version: '0',
        id,
        'detail-type': type,
        source,
        account: '0',
        time: at,
        region: 'eu-west-1',
        resources: [],
        detail: { v: 1, ...detail },
      });
    await writeFile(
      join(dir, 'bus-kill-test.json'),
      `${[
        envelope('k1', 'payout.status_changed', 'marketplace.payments', {
          payout_id: 'po-k1',
          status: 'scheduled',
          leg_id: 'l-k1',
          seller_id: 's000001',
          city_id: 'ber',
          amount: 10,
          currency: 'EUR',
        }),
        envelope('k2', 'dispute.status_changed', 'marketplace.trust', {
          dispute_id: 'd-k2',
          status: 'opened',
          booking_id: 'b-k2',
          leg_id: 'l-k2',
          user_id: 'u0000001',
          seller_id: 's000001',
          city_id: 'ber',
          reason: 'not_as_described',
          amount: 10,
        }),
        envelope('k3', 'payment.captured', 'marketplace.payments', {
          payment_id: 'p-k3',
          booking_id: 'b-k3',
          leg_id: 'l-k3',
          user_id: 'u0000001',
          city_id: 'ber',
          amount: 10,
          currency: 'EUR',
          method: 'card',
        }),
      ].join('\n')}\n`,
    );
    // Act: a full rebuild of today killed at growing points (a run takes ~0.5 s here: before,
    // between and during the views' writes), waiting out the 1 s lease each time.
    const seen: Record<string, string>[] = [];
    const kills = [];
    for (const ms of [250, 300, 350, 400, 450, 500, 550, 600, 700, 800]) {
      kills.push(await refreshProcess(home, ['--rebuild'], ms));
      seen.push(await viewState(lake));
      await new Promise((r) => setTimeout(r, 1100));
    }
    const repaired = await refreshProcess(home);
    const after = await viewState(lake);
    const rebuilt = await refreshProcess(home, ['--rebuild']);
    // Assess
    expect(kills.filter((k) => k.signal === 'SIGKILL').length).toBeGreaterThanOrEqual(2);
    expect(repaired.code, repaired.stdout).toBe(0);
    expect(rebuilt.code, rebuilt.stdout).toBe(0);
    expect(await viewState(lake)).toEqual(after); // the repaired views equal a clean rebuild
    const changed = Object.keys(after).filter((p) => before[p] !== after[p]);
    expect(changed.length).toBeGreaterThan(0);
    // Every partition at its previous or its next version; one may appear (a carry-over state
    // hour that had no open item before the new events) but none may vanish.
    const partitions = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const state of seen) {
      expect(Object.keys(state).filter((p) => !partitions.includes(p))).toEqual([]);
      for (const partition of partitions) {
        expect([before[partition], after[partition]], partition).toContain(state[partition]);
      }
    }
  }, 240_000);
});
