import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  DuckDbQueryEngine,
  FileSaltSource,
  FsCatalog,
  FsObjectStore,
  SqliteStateStore,
} from '@lakeops/adapters-local';
import {
  DeletionQueue,
  purgeDeletedUsers,
  type QueryEngine,
  recordTombstone,
  systemClock,
} from '@lakeops/core';
import { dsarPurgeIds, purgeSql, tables } from '@lakeops/lake';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureDemoLake } from '../../packages/cli/src/lake.ts';
import { main } from '../../packages/cli/src/main.ts';
import { captureContext } from '../../packages/cli/test/capture-context.ts';

const cleanup: (() => void | Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup) await c();
});

async function until(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A small seeded and built lake in a fresh LAKEOPS_HOME. */
async function seededHome(): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'lakeops-dsar-'));
  await ensureDemoLake({ home, days: 3, users: 300, seed: 11, end: new Date('2026-11-20T23:00:00Z') });
  return home;
}

/** Sends `user.tombstoned` events to the local endpoint of `lakeops start`, as the account service would. */
async function tombstoneThroughEndpoint(
  home: string,
  users: readonly { requestId: string; userId: string }[],
) {
  const controller = new AbortController();
  const { ctx, out } = captureContext({ env: { LAKEOPS_HOME: home }, controller });
  const running = main(['start', '--port', '0', '--no-seed'], ctx);
  cleanup.push(() => controller.abort());
  await until(() => out.stdout.includes('Ready.'), 'Ready.');
  const url = /endpoint\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out.stdout)?.[1] ?? '';
  const client = new EventBridgeClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const ids: string[] = [];
  for (let i = 0; i < users.length; i += 10) {
    const put = await client.send(
      new PutEventsCommand({
        Entries: users.slice(i, i + 10).map((u) => ({
          Source: 'marketplace.accounts',
          DetailType: 'user.tombstoned',
          Detail: JSON.stringify({
            v: 1,
            user_id: u.userId,
            request_id: u.requestId,
            requested_at: '2026-11-30T08:00:00Z',
            reason: 'user_request',
          }),
        })),
      }),
    );
    ids.push(...(put.Entries ?? []).map((e) => e.EventId ?? ''));
  }
  await until(() => ids.every((id) => out.stdout.includes(`dsar-intake ← event ${id}: processed`)), 'intake');
  controller.abort();
  expect(await running).toBe(0);
  client.destroy();
  return out.stdout;
}

/** Queues tombstones straight into the local state (the endpoint path is covered above). */
async function tombstoneDirectly(home: string, userIds: readonly string[]) {
  const state = new SqliteStateStore({ file: join(home, 'state.sqlite') });
  const salt = new FileSaltSource({ file: join(home, 'secrets', 'dsar-salt') });
  for (const [i, userId] of userIds.entries()) {
    await recordTombstone(
      { state, salt, clock: systemClock },
      {
        id: `e-${i}`,
        detail: {
          v: 1,
          user_id: userId,
          request_id: `r-${i}`,
          requested_at: '2026-11-30T08:00:00Z',
          reason: 'admin',
        },
      },
    );
  }
  state.close();
}

async function usersOf(lake: string, table: string, column: string, n: number): Promise<string[]> {
  const { rows } = await oracle([]);
  const found = await rows(
    `SELECT DISTINCT ${column} AS id FROM read_parquet(${q(`${lake}/silver/${table}/**/*.parquet`)}) ORDER BY id LIMIT ${n}`,
  );
  return found.map((r) => String(r.id));
}

async function matchedRows(lake: string, table: string, column: string, ids: readonly string[]) {
  const { rows } = await oracle(ids);
  const [r] = await rows(
    `SELECT count(*) AS n FROM read_parquet(${q(`${lake}/silver/${table}/**/*.parquet`)}) WHERE ${column} IN (SELECT id FROM ids)`,
  );
  return Number(r?.n);
}

async function purge(home: string, ...args: string[]) {
  const { ctx, out } = captureContext({ env: { LAKEOPS_HOME: home } });
  const code = await main(['purge', ...args], ctx);
  return { code, ...out };
}

async function parquetFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries
    .filter((e) => e.endsWith('.parquet') && !e.startsWith('_'))
    .map((e) => join(dir, e))
    .sort();
}

async function md5s(lake: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const f of await parquetFiles(lake)) {
    out.set(
      relative(lake, f),
      createHash('md5')
        .update(await readFile(f))
        .digest('hex'),
    );
  }
  return out;
}

/** An independent DuckDB (not the engine under test) over the Parquet files, ids bound, not spliced. */
async function oracle(ids: readonly string[]) {
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  await db.run('CREATE TABLE ids (id VARCHAR)');
  const insert = await db.prepare('INSERT INTO ids VALUES ($1)');
  for (const id of ids) {
    insert.bindVarchar(1, id);
    await insert.run();
  }
  const rows = async (sql: string) => (await db.runAndReadAll(sql)).getRowObjectsJS();
  return { db, rows };
}

const lakeTables = tables.filter((t) => t.format === 'parquet' && t.userColumns.length > 0);
const q = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** Per table: rows with no purged id in a user column, and a checksum over them. */
async function keptSummary(lake: string, ids: readonly string[]) {
  const { rows } = await oracle(ids);
  const out: Record<string, { kept: string; checksum: string; matched: string }> = {};
  for (const t of lakeTables) {
    const files = await parquetFiles(join(lake, t.zone, t.name));
    if (!files.length) continue;
    const match = t.userColumns.map((c) => `coalesce("${c}" IN (SELECT id FROM ids), false)`).join(' OR ');
    const cols = t.columns.map((c) => `"${c.name}"`).join(', ');
    const [r] = await rows(
      `SELECT CAST(count(*) FILTER (WHERE NOT (${match})) AS VARCHAR) AS kept,
              CAST(coalesce(sum(CAST(hash(${cols}) AS HUGEINT)) FILTER (WHERE NOT (${match})), 0) AS VARCHAR) AS checksum,
              CAST(count(*) FILTER (WHERE ${match}) AS VARCHAR) AS matched
       FROM read_parquet([${files.map(q).join(', ')}], union_by_name = true)`,
    );
    out[`${t.zone}.${t.name}`] = r as { kept: string; checksum: string; matched: string };
  }
  return out;
}

describe('DSAR purge on a seeded local lake', () => {
  it('removes 25 tombstoned users from every user column, keeps every other row, touches only their partitions', async () => {
    // Prepare
    const home = await seededHome();
    const lake = join(home, 'lake');
    const { rows } = await oracle([]);
    // Buyers with payments, sellers with bookings, then searchers: users spread over many tables.
    const pick = async (table: string, column: string) =>
      (
        await rows(
          `SELECT DISTINCT ${column} AS id FROM read_parquet(${q(`${lake}/silver/${table}/**/*.parquet`)}) ORDER BY id`,
        )
      ).map((r) => String(r.id));
    const ids: string[] = [];
    for (const [table, column, n] of [
      ['fact_payments', 'user_id', 10],
      ['fact_booking_legs', 'seller_id', 5],
      ['fact_search_impressions', 'user_id', 10],
    ] as const) {
      ids.push(...(await pick(table, column)).filter((id) => !ids.includes(id)).slice(0, n));
    }
    expect(new Set(ids).size).toBe(25);
    // Key-value metadata on the payments files, as another writer may leave: the rewrite must keep it.
    for (const f of await parquetFiles(join(lake, 'silver', 'fact_payments'))) {
      await rows(
        `COPY (SELECT * FROM read_parquet(${q(f)}, hive_partitioning = false)) TO ${q(`${f}.kv`)} (FORMAT parquet, COMPRESSION zstd, KV_METADATA {"lakeops.origin": 'integration test', owner: 'data-platform'})`,
      );
      await rename(`${f}.kv`, f);
    }
    const before = await keptSummary(lake, ids);
    const filesBefore = await md5s(lake);
    const { rows: orows } = await oracle(ids);
    const touchedBefore = new Set<string>();
    const schemaBefore = new Map<string, string>();
    for (const t of lakeTables) {
      for (const f of await parquetFiles(join(lake, t.zone, t.name))) {
        const match = t.userColumns.map((c) => `"${c}" IN (SELECT id FROM ids)`).join(' OR ');
        const [hit] = await orows(`SELECT count(*) AS n FROM read_parquet(${q(f)}) WHERE ${match}`);
        if (Number(hit?.n) > 0) touchedBefore.add(relative(lake, dirname(f)));
        const schema = await orows(
          `SELECT name, type, logical_type FROM parquet_schema(${q(f)}) ORDER BY name`,
        );
        schemaBefore.set(relative(lake, dirname(f)), JSON.stringify(schema));
      }
    }
    expect(Object.values(before).reduce((s, r) => s + Number(r.matched), 0)).toBeGreaterThan(25);

    // Act
    await tombstoneThroughEndpoint(
      home,
      ids.map((userId, i) => ({ requestId: `dsar-${String(i).padStart(2, '0')}`, userId })),
    );
    const dry = await purge(home, '--dry-run');
    const filesAfterDry = await md5s(lake);
    const run = await purge(home);

    // Assess: the dry run changed nothing and announced what the run then did.
    expect(dry.code).toBe(0);
    expect(filesAfterDry).toEqual(filesBefore);
    expect(dry.stdout).toMatch(/would remove \d+ rows/);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('25/25 request(s) verified');
    for (const id of ids) expect(`${dry.stdout}${run.stdout}`).not.toContain(id);
    // No purged id in any string column of any Parquet file of the lake.
    const { rows: inspect } = await oracle(ids);
    for (const f of await parquetFiles(lake)) {
      const cols = (await inspect(`DESCRIBE SELECT * FROM read_parquet(${q(f)})`)).filter(
        (c) => c.column_type === 'VARCHAR',
      );
      for (const c of cols) {
        const [hit] = await inspect(
          `SELECT count(*) AS n FROM read_parquet(${q(f)}) WHERE "${String(c.column_name)}" IN (SELECT id FROM ids)`,
        );
        expect(Number(hit?.n), `${relative(lake, f)} ${String(c.column_name)}`).toBe(0);
      }
    }
    // Every other row is still there, unchanged (count and checksum per table).
    const afterSummary = await keptSummary(lake, ids);
    for (const [table, b] of Object.entries(before)) {
      // A table whose only rows were theirs has no files left at all.
      const a = afterSummary[table] ?? { kept: '0', checksum: '0', matched: '0' };
      expect(a, table).toEqual({ kept: b.kept, checksum: b.checksum, matched: '0' });
    }
    // Files of partitions without their rows are byte for byte the same; the rewritten ones keep types and ZSTD.
    const filesAfter = await md5s(lake);
    for (const [file, sum] of filesBefore) {
      const partition = dirname(file);
      if (!touchedBefore.has(partition)) expect(filesAfter.get(file), file).toBe(sum);
    }
    for (const partition of touchedBefore) {
      const files = await parquetFiles(join(lake, partition)).catch(() => []);
      for (const f of files) {
        const schema = await inspect(
          `SELECT name, type, logical_type FROM parquet_schema(${q(f)}) ORDER BY name`,
        );
        expect(JSON.stringify(schema), partition).toBe(schemaBefore.get(partition));
        const codecs = await inspect(`SELECT DISTINCT compression FROM parquet_metadata(${q(f)})`);
        expect(codecs.map((c) => c.compression)).toEqual(['ZSTD']);
        if (partition.startsWith('silver/fact_payments/')) {
          const kv = await inspect(
            `SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${q(f)}) ORDER BY k`,
          );
          expect(kv, f).toEqual([
            { k: 'lakeops.origin', v: 'integration test' },
            { k: 'owner', v: 'data-platform' },
          ]);
        }
      }
    }
    // The queue keeps no raw id once verified; the audit record has counts, not ids.
    const state = new SqliteStateStore({ file: join(home, 'state.sqlite') });
    const stored = JSON.stringify([
      ...(await state.query({ pk: 'dsar#pending' })).items,
      ...(await state.query({ pk: 'dsar#done' })).items,
      ...(await state.query({ pk: 'dsar#user' })).items,
      ...(await state.query({ pk: 'dsar#run' })).items,
    ]);
    state.close();
    for (const id of ids) expect(stored).not.toContain(`"${id}"`);
    expect(stored).toContain('"dsar-24"');
    const events = await readFile(join(home, 'events', 'published.jsonl'), 'utf8');
    expect(events.trim().split('\n')).toHaveLength(25);
    for (const id of ids) expect(events).not.toContain(id);
  }, 240_000);

  it("purges nothing for a user_id of x' OR '1'='1 or an unknown user, and says so in the audit", async () => {
    // Prepare
    const home = await seededHome();
    const lake = join(home, 'lake');
    const filesBefore = await md5s(lake);
    await tombstoneThroughEndpoint(home, [
      { requestId: 'dsar-inject', userId: "x' OR '1'='1" },
      { requestId: 'dsar-unknown', userId: 'u_never_existed' },
    ]);
    // Act
    const run = await purge(home);
    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('removed 0 rows in 0 table(s)');
    expect(run.stdout).toContain('2/2 request(s) verified');
    expect(await md5s(lake)).toEqual(filesBefore);
    const state = new SqliteStateStore({ file: join(home, 'state.sqlite') });
    const [audit] = (await state.query({ pk: 'dsar#run' })).items;
    state.close();
    expect(audit?.value).toMatchObject({
      rowsRemoved: 0,
      requests: [
        { requestId: 'dsar-inject', rowsRemoved: 0, verified: true },
        { requestId: 'dsar-unknown', rowsRemoved: 0, verified: true },
      ],
    });
  }, 120_000);

  it('stops only the table with a corrupt partition, leaves its files as they were, and purges the others', async () => {
    // Prepare
    const home = await seededHome();
    const lake = join(home, 'lake');
    const ids = await usersOf(lake, 'fact_payments', 'user_id', 5);
    const { rows } = await oracle(ids);
    const [hit] = await rows(
      `SELECT filename FROM read_parquet(${q(`${lake}/silver/fact_payments/*/*.parquet`)}, filename = true) WHERE user_id IN (SELECT id FROM ids) LIMIT 1`,
    );
    const corrupt = String(hit?.filename);
    await writeFile(corrupt, 'not parquet at all');
    const paymentsBefore = await md5s(join(lake, 'silver', 'fact_payments'));
    await tombstoneDirectly(home, ids);
    // Act
    const run = await purge(home);
    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /silver\.fact_payments: FAILED \(PartitionCorrupt\) corrupt data file silver\/fact_payments\/dt=[^ ]+ .*data left as it was/,
    );
    expect(await md5s(join(lake, 'silver', 'fact_payments'))).toEqual(paymentsBefore);
    expect(await matchedRows(lake, 'fact_search_impressions', 'user_id', ids)).toBe(0);
    expect(await matchedRows(lake, 'fact_checkouts', 'user_id', ids)).toBe(0);
    expect(run.stdout).toContain('0/5 request(s) verified');
    const state = new SqliteStateStore({ file: join(home, 'state.sqlite') });
    expect(await new DeletionQueue({ state, clock: systemClock }).pending()).toHaveLength(5);
    state.close();
  }, 120_000);

  it('rolls a partition back when its verification fails and reports the table', async () => {
    // Prepare
    const home = await seededHome();
    const lake = join(home, 'lake');
    const ids = await usersOf(lake, 'fact_payments', 'user_id', 3);
    await tombstoneDirectly(home, ids);
    const before = await md5s(lake);
    const root = lake;
    const real = await DuckDbQueryEngine.open({ root, tables: [...tables, dsarPurgeIds] });
    cleanup.push(() => real.close());
    // A broken rewrite: keeps only the purged users' rows of fact_payments.
    const engine: QueryEngine = {
      query: (sql, o) => real.query(sql, o),
      stream: (sql, o) => real.stream(sql, o),
      close: () => real.close(),
      writePartitions: (input, o) => real.writePartitions(input, o),
      rewritePartitions: (input, o) =>
        real.rewritePartitions(
          input.table.name === 'fact_payments' ? { ...input, drop: `NOT (${input.drop})` } : input,
          o,
        ),
      restorePartitions: (table, rewritten) => real.restorePartitions(table, rewritten),
    };
    const state = new SqliteStateStore({ file: join(home, 'state.sqlite') });
    // Act
    const report = await purgeDeletedUsers(
      {
        engine,
        catalog: new FsCatalog({ root, tables }),
        store: new FsObjectStore({ root }),
        state,
        clock: systemClock,
        sql: purgeSql('duckdb'),
        idsTable: dsarPurgeIds,
      },
      { runId: 'verify-fails' },
    );
    state.close();
    // Assess
    const payments = report.tables.find((t) => t.table === 'silver.fact_payments');
    expect(payments).toMatchObject({ status: 'failed', error: { code: 'PurgeVerificationFailed' } });
    const after = await md5s(lake);
    for (const [file, sum] of before) {
      if (file.startsWith('silver/fact_payments/')) expect(after.get(file), file).toBe(sum);
    }
    expect(report.requests.every((r) => !r.verified)).toBe(true);
    expect(await matchedRows(lake, 'fact_checkouts', 'user_id', ids)).toBe(0);
  }, 120_000);

  it('keeps purged users gone when the lake is rebuilt from Bronze, which still holds them', async () => {
    // Prepare
    const home = await seededHome();
    const lake = join(home, 'lake');
    const ids = await usersOf(lake, 'fact_payments', 'user_id', 3);
    await tombstoneDirectly(home, ids);
    expect((await purge(home)).code).toBe(0);
    expect(await matchedRows(lake, 'fact_payments', 'user_id', ids)).toBe(0);
    const { rows } = await oracle(ids);
    const [bronze] = await rows(
      `SELECT count(*) AS n FROM read_json(${q(`${lake}/bronze/events/*/*/*.json`)}, format = 'newline_delimited', columns = {detail: 'JSON'})
       WHERE json_extract_string(detail, '$.user_id') IN (SELECT id FROM ids)`,
    );
    expect(Number(bronze?.n)).toBeGreaterThan(0);
    // Act
    const { ctx, out } = captureContext({ env: { LAKEOPS_HOME: home } });
    const code = await main(['build'], ctx);
    // Assess
    expect(code).toBe(0);
    expect(out.stdout).toMatch(/dropped \d+ rows of 3 tombstoned user\(s\) that Bronze still holds/);
    for (const id of ids) expect(out.stdout).not.toContain(id);
    for (const [table, column] of [
      ['fact_payments', 'user_id'],
      ['fact_search_impressions', 'user_id'],
      ['dim_user_public', 'user_id'],
    ] as const) {
      expect(await matchedRows(lake, table, column, ids), table).toBe(0);
    }
  }, 180_000);
});
