import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TableDefinition } from '@lakeops/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../src/index.ts';

const daily: TableDefinition = {
  zone: 'gold',
  name: 'daily_totals',
  description: 'test table',
  format: 'parquet',
  columns: [
    { name: 'city_id', type: 'string', sensitivity: 'public' },
    { name: 'n', type: 'bigint', sensitivity: 'internal' },
    { name: 'amount', type: 'decimal(12,2)', sensitivity: 'internal' },
    { name: 'at', type: 'timestamp', sensitivity: 'internal', nullable: true },
  ],
  partitionKeys: ['dt'],
  primaryKey: ['dt', 'city_id'],
  userColumns: [],
};
const cities: TableDefinition = {
  ...daily,
  zone: 'silver',
  name: 'cities',
  columns: [{ name: 'city_id', type: 'string', sensitivity: 'public' }],
  partitionKeys: [],
  primaryKey: ['city_id'],
};
const raw: TableDefinition = {
  zone: 'bronze',
  name: 'raw_events',
  description: 'NDJSON test table',
  format: 'ndjson',
  columns: [
    { name: 'id', type: 'string', sensitivity: 'internal' },
    { name: 'detail_type', type: 'string', sensitivity: 'public', sourceName: 'detail-type' },
    { name: 'detail', type: 'string', sensitivity: 'confidential' },
  ],
  partitionKeys: ['dt'],
  primaryKey: [],
  userColumns: [],
};
const rowsFor = (dt: string, n: number) =>
  `SELECT 'lis' AS city_id, sum(x) AS n, ${n}.5 AS amount, TIMESTAMP '2026-11-20 10:00:00' AS at, '${dt}' AS dt FROM range(${n}) AS t(x)`;

describe('DuckDbQueryEngine', () => {
  let root: string;
  let engine: DuckDbQueryEngine;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'lakeops-duckdb-'));
    engine = await DuckDbQueryEngine.open({ root, tables: [daily, cities, raw], threads: 1 });
  });
  afterEach(async () => {
    await engine.close();
    await rm(root, { recursive: true, force: true });
  });

  it('runs in UTC and never downloads extensions', async () => {
    // Act
    const [row] = await engine.query(
      "SELECT current_setting('TimeZone') AS tz, current_setting('autoinstall_known_extensions') AS install, current_setting('autoload_known_extensions') AS load",
    );
    // Assess
    expect(row).toEqual({ tz: 'UTC', install: false, load: false });
  });

  it('exposes empty typed tables before any file exists', async () => {
    // Act
    const rows = await engine.query('SELECT count(*) AS n FROM gold.daily_totals');
    // Assess
    expect(rows).toEqual([{ n: 0 }]);
  });

  it('writes Parquet partitions with the declared types and reads them back', async () => {
    // Act
    const result = await engine.writePartitions({
      table: daily,
      sql: `${rowsFor('2026-11-19', 3)} UNION ALL ${rowsFor('2026-11-20', 4)}`,
    });
    const rows = await engine.query('SELECT * FROM gold.daily_totals ORDER BY dt');
    const types = await engine.query(
      "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM gold.daily_totals) WHERE column_name IN ('n', 'amount', 'dt')",
    );
    // Assess
    expect(result.rows).toBe(2);
    expect(result.written).toEqual([{ dt: '2026-11-19' }, { dt: '2026-11-20' }]);
    expect(rows).toEqual([
      { city_id: 'lis', n: 3, amount: 3.5, at: '2026-11-20T10:00:00.000Z', dt: '2026-11-19' },
      { city_id: 'lis', n: 6, amount: 4.5, at: '2026-11-20T10:00:00.000Z', dt: '2026-11-20' },
    ]);
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.column_type]))).toEqual({
      n: 'BIGINT', // sum() is a HUGEINT in DuckDB; the catalog type wins
      amount: 'DECIMAL(12,2)',
      dt: 'VARCHAR',
    });
    expect(await readdir(join(root, 'gold', 'daily_totals'))).toEqual(['dt=2026-11-19', 'dt=2026-11-20']);
  });

  it('replaces only the partitions it owns and removes owned ones left empty', async () => {
    // Prepare
    await engine.writePartitions({
      table: daily,
      sql: `${rowsFor('2026-11-18', 1)} UNION ALL ${rowsFor('2026-11-19', 2)} UNION ALL ${rowsFor('2026-11-20', 3)}`,
    });
    // Act
    const result = await engine.writePartitions({
      table: daily,
      sql: `${rowsFor('2026-11-19', 10)} UNION ALL ${rowsFor('2026-11-17', 10)}`,
      partitions: [{ dt: '2026-11-19' }, { dt: '2026-11-20' }],
    });
    const rows = await engine.query('SELECT dt, n FROM gold.daily_totals ORDER BY dt');
    // Assess
    expect(result).toEqual({ rows: 1, written: [{ dt: '2026-11-19' }], removed: [{ dt: '2026-11-20' }] });
    expect(rows).toEqual([
      { dt: '2026-11-18', n: 0 },
      { dt: '2026-11-19', n: 45 },
    ]);
  });

  it('owns every city of a day when given the day alone (dt, city_id partitions)', async () => {
    // Prepare
    const byCity: TableDefinition = {
      ...daily,
      name: 'by_city',
      columns: daily.columns.filter((c) => c.name !== 'city_id'),
      partitionKeys: ['dt', 'city_id'],
    };
    const cityEngine = await DuckDbQueryEngine.open({ root, tables: [byCity], threads: 1 });
    const row = (dt: string, city: string, n: number) =>
      `SELECT ${n} AS n, 1.5 AS amount, NULL AS at, '${dt}' AS dt, '${city}' AS city_id`;
    try {
      await cityEngine.writePartitions({
        table: byCity,
        sql: [row('2026-11-19', 'lis', 1), row('2026-11-20', 'lis', 2), row('2026-11-20', 'mad', 3)].join(
          ' UNION ALL ',
        ),
      });
      // Act
      const result = await cityEngine.writePartitions({
        table: byCity,
        sql: row('2026-11-20', 'lis', 9),
        partitions: [{ dt: '2026-11-20' }],
      });
      const rows = await cityEngine.query('SELECT dt, city_id, n FROM gold.by_city ORDER BY dt, city_id');
      // Assess
      expect(result).toEqual({
        rows: 1,
        written: [{ dt: '2026-11-20', city_id: 'lis' }],
        removed: [{ dt: '2026-11-20', city_id: 'mad' }],
      });
      expect(rows).toEqual([
        { dt: '2026-11-19', city_id: 'lis', n: 1 },
        { dt: '2026-11-20', city_id: 'lis', n: 9 },
      ]);
      expect(await readdir(join(root, 'gold/by_city/dt=2026-11-20'))).toEqual(['city_id=lis']);
    } finally {
      await cityEngine.close();
    }
  });

  it('keeps the key-value metadata of the files it replaces, also when another writer changed them after its own write', async () => {
    // Prepare: the engine writes the day, then another writer replaces its file with one carrying metadata
    const write = () =>
      engine.writePartitions({
        table: daily,
        sql: rowsFor('2026-11-20', 2),
        partitions: [{ dt: '2026-11-20' }],
      });
    const file = join(root, 'gold/daily_totals/dt=2026-11-20/data_0.parquet');
    const replaceWith = (owner: string) =>
      engine.query(
        `COPY (SELECT 'lis' AS city_id, 1::BIGINT AS n, 1.5::DECIMAL(12,2) AS amount, NULL::TIMESTAMP AS at) TO '${file}' (FORMAT parquet, KV_METADATA {owner: '${owner}'})`,
      );
    const owners = async () =>
      (
        await engine.query(
          `SELECT decode(value) AS v FROM parquet_kv_metadata('${file}') WHERE decode(key) = 'owner'`,
        )
      ).map((r) => r.v);
    await write();
    await replaceWith('x');
    // Act
    await write();
    const afterFirst = await owners();
    await write();
    const afterSecond = await owners();
    await replaceWith('yy');
    await write();
    const afterThird = await owners();
    // Assess
    expect(afterFirst).toEqual(['x']);
    expect(afterSecond).toEqual(['x']);
    expect(afterThird).toEqual(['yy']);
  });

  it('empties a table when a full rewrite returns no rows', async () => {
    // Prepare
    await engine.writePartitions({ table: daily, sql: rowsFor('2026-11-20', 3) });
    // Act
    const result = await engine.writePartitions({ table: daily, sql: `${rowsFor('2026-11-20', 3)} LIMIT 0` });
    const rows = await engine.query('SELECT count(*) AS n FROM gold.daily_totals');
    // Assess
    expect(result).toEqual({ rows: 0, written: [], removed: [{ dt: '2026-11-20' }] });
    expect(rows).toEqual([{ n: 0 }]);
  });

  it('rewrites partitions without the dropped rows, the old rows profiled before and the new files as written after', async () => {
    // Prepare: 2 days of 2,000 rows each
    await engine.writePartitions({
      table: daily,
      sql: `SELECT 'c' || (x % 50) AS city_id, x AS n, 1.25 AS amount, NULL AS at, '2026-11-2' || (x // 2000) AS dt FROM range(4000) AS t(x)`,
    });
    const partitions = [{ dt: '2026-11-20' }, { dt: '2026-11-21' }];
    // Act
    const exact = await engine.rewritePartitions({
      table: daily,
      partitions,
      drop: "city_id = 'c7'",
      keepReplacedUnder: '_backup/a/',
    });
    const left = await engine.query(
      "SELECT dt, count(*) AS n, count(*) FILTER (WHERE city_id = 'c7') AS c7 FROM gold.daily_totals GROUP BY dt ORDER BY dt",
    );
    // Assess
    expect(
      exact.map((r) => [r.partition, r.before.rows, r.before.dropped, r.after.rows, r.after.dropped]),
    ).toEqual([
      [{ dt: '2026-11-20' }, 2000, 40, 1960, 0],
      [{ dt: '2026-11-21' }, 2000, 40, 1960, 0],
    ]);
    expect(exact.every((r) => r.after.checksum === r.before.checksum)).toBe(true);
    expect(left).toEqual([
      { dt: '2026-11-20', n: 1960, c7: 0 },
      { dt: '2026-11-21', n: 1960, c7: 0 },
    ]);
  });

  it('keeps the old data and leaves no staging behind when the query fails', async () => {
    // Prepare
    await engine.writePartitions({ table: daily, sql: rowsFor('2026-11-20', 3) });
    const before = await readFile(join(root, 'gold/daily_totals/dt=2026-11-20/data_0.parquet'));
    // Act
    const write = engine.writePartitions({
      table: daily,
      sql: `SELECT 'lis' AS city_id, CAST(error('boom') AS BIGINT) AS n, 1 AS amount, NULL AS at, '2026-11-20' AS dt`,
      partitions: [{ dt: '2026-11-20' }],
    });
    // Assess
    await expect(write).rejects.toMatchObject({ code: 'QueryFailed', retryable: false });
    expect(await readFile(join(root, 'gold/daily_totals/dt=2026-11-20/data_0.parquet'))).toEqual(before);
    expect(await readdir(join(root, '_staging'))).toEqual([]);
  });

  it('names a corrupt Parquet file in one line and writes nothing from a query that read it', async () => {
    // Prepare
    await engine.writePartitions({
      table: daily,
      sql: `${rowsFor('2026-11-19', 2)} UNION ALL ${rowsFor('2026-11-20', 3)}`,
    });
    await writeFile(join(root, 'gold/daily_totals/dt=2026-11-19/data_0.parquet'), 'not parquet at all');
    await engine.writePartitions({ table: cities, sql: "SELECT 'lis' AS city_id" });
    const citiesBefore = await readFile(join(root, 'silver/cities/data_0.parquet'));
    // Act
    const read = engine.query('SELECT sum(n) AS n FROM gold.daily_totals');
    const write = engine.writePartitions({ table: cities, sql: 'SELECT city_id FROM gold.daily_totals' });
    // Assess
    await expect(read).rejects.toMatchObject({
      code: 'PartitionCorrupt',
      file: 'gold/daily_totals/dt=2026-11-19/data_0.parquet',
    });
    await expect(write).rejects.toMatchObject({ code: 'PartitionCorrupt' });
    await expect(read).rejects.toThrow(
      /^corrupt data file gold\/daily_totals\/dt=2026-11-19\/data_0\.parquet: [^\n]+$/,
    );
    expect(await readFile(join(root, 'silver/cities/data_0.parquet'))).toEqual(citiesBefore);
  });

  it('reads only the partitions a write names in `reads`: other folders are not even listed', async () => {
    // Prepare: three days, one of them corrupt; a partition named but absent reads as empty.
    await engine.writePartitions({
      table: daily,
      sql: `${rowsFor('2026-11-18', 2)} UNION ALL ${rowsFor('2026-11-19', 3)} UNION ALL ${rowsFor('2026-11-20', 4)}`,
    });
    await engine.query('SELECT count(*) FROM gold.daily_totals');
    await writeFile(join(root, 'gold/daily_totals/dt=2026-11-18/data_0.parquet'), 'not parquet at all');
    const copy = (sql: string, reads?: { dt: string }[]) =>
      engine.writePartitions({
        table: cities,
        sql,
        ...(reads ? { reads: [{ table: daily, partitions: reads }] } : {}),
      });
    const sum =
      "SELECT city_id || '-' || CAST(sum(n) AS VARCHAR) AS city_id FROM gold.daily_totals WHERE dt >= '2026-11-19' GROUP BY city_id";
    // Act
    const named = await copy(sum, [{ dt: '2026-11-19' }, { dt: '2026-11-20' }, { dt: '2026-11-21' }]);
    const namedRows = await engine.query('SELECT city_id FROM silver.cities');
    const oneDay = await copy(sum, [{ dt: '2026-11-20' }]);
    const oneDayRows = await engine.query('SELECT city_id FROM silver.cities');
    const none = await copy(sum, [{ dt: '2026-11-21' }]);
    const unnamed = copy(sum);
    // Assess: 1 + 2 (day 19) + 6 (day 20) = 9; day 20 alone, 6; nothing named that exists, no rows.
    expect(named.rows).toBe(1);
    expect(namedRows).toEqual([{ city_id: 'lis-9' }]);
    expect(oneDay.rows).toBe(1);
    expect(oneDayRows).toEqual([{ city_id: 'lis-6' }]);
    expect(none.rows).toBe(0);
    await expect(unnamed).rejects.toMatchObject({ code: 'PartitionCorrupt' });
  });

  it('reads NDJSON with explicit columns (unknown fields ignored, nested JSON as text) and sees new files', async () => {
    // Prepare
    await mkdir(join(root, 'bronze/raw_events/dt=2026-11-20'), { recursive: true });
    await writeFile(
      join(root, 'bronze/raw_events/dt=2026-11-20/a.json'),
      '{"id":"e1","detail-type":"x","detail":{"a":{"b":1}},"surprise":true}\n',
    );
    const first = await engine.query('SELECT id, detail_type, detail, dt FROM bronze.raw_events');
    // Act
    await writeFile(join(root, 'bronze/raw_events/dt=2026-11-20/b.json'), '{"id":"e2","detail-type":"y"}\n');
    const second = await engine.query('SELECT id, detail FROM bronze.raw_events ORDER BY id');
    // Assess
    expect(first).toEqual([{ id: 'e1', detail_type: 'x', detail: '{"a":{"b":1}}', dt: '2026-11-20' }]);
    expect(second).toEqual([
      { id: 'e1', detail: '{"a":{"b":1}}' },
      { id: 'e2', detail: null },
    ]);
  });

  it('keeps its NDJSON cache in step folder by folder: changed, added and removed partitions', async () => {
    // Prepare
    const dir = (dt: string) => join(root, 'bronze/raw_events', `dt=${dt}`);
    const line = (id: string) => `{"id":"${id}","detail-type":"x"}\n`;
    for (const dt of ['2026-11-19', '2026-11-20', '2026-11-21']) {
      await mkdir(dir(dt), { recursive: true });
      await writeFile(join(dir(dt), 'a.json'), line(`${dt}-a`));
    }
    const ids = async () =>
      (await engine.query('SELECT id FROM bronze.raw_events ORDER BY id')).map((r) => String(r.id));
    const first = await ids();
    // Act: a file added to one day, a file rewritten in another, a day removed, a day added.
    await writeFile(join(dir('2026-11-20'), 'b.json'), line('2026-11-20-b'));
    await writeFile(join(dir('2026-11-21'), 'a.json'), `${line('2026-11-21-a2')}${line('2026-11-21-a3')}`);
    await rm(dir('2026-11-19'), { recursive: true });
    await mkdir(dir('2026-11-22'), { recursive: true });
    await writeFile(join(dir('2026-11-22'), 'a.json'), line('2026-11-22-a'));
    const second = await ids();
    const again = await ids();
    // Assess
    expect(first).toEqual(['2026-11-19-a', '2026-11-20-a', '2026-11-21-a']);
    expect(second).toEqual([
      '2026-11-20-a',
      '2026-11-20-b',
      '2026-11-21-a2',
      '2026-11-21-a3',
      '2026-11-22-a',
    ]);
    expect(again).toEqual(second);
  });

  it('misses no Bronze change while it reuses the folder listings of unchanged folders', async () => {
    // Prepare: listings trusted at once (no grace), each change at a clock tick of its own.
    const settle = () => new Promise((resolve) => setTimeout(resolve, 30));
    const reusing = await DuckDbQueryEngine.open({ root, tables: [raw], threads: 1, listingGraceMs: 0 });
    const dir = (dt: string) => join(root, 'bronze/raw_events', `dt=${dt}`);
    const line = (id: string) => `{"id":"${id}","detail-type":"x"}\n`;
    for (const dt of ['2026-11-19', '2026-11-20']) {
      await mkdir(dir(dt), { recursive: true });
      await writeFile(join(dir(dt), 'a.json'), line(`${dt}-a`));
    }
    await settle();
    const ids = async () =>
      (await reusing.query('SELECT id FROM bronze.raw_events ORDER BY id')).map((r) => String(r.id));
    const seen: string[][] = [];
    try {
      seen.push(await ids());
      seen.push(await ids());
      // Act: a file added to an existing folder; a file appended to in place (its folder does not
      // change); a file deleted; a new folder.
      await settle();
      await writeFile(join(dir('2026-11-20'), 'b.json'), line('2026-11-20-b'));
      seen.push(await ids());
      await settle();
      await writeFile(join(dir('2026-11-19'), 'a.json'), line('2026-11-19-late'), { flag: 'a' });
      seen.push(await ids());
      await settle();
      await rm(join(dir('2026-11-20'), 'a.json'));
      seen.push(await ids());
      await settle();
      await mkdir(dir('2026-11-21'));
      await writeFile(join(dir('2026-11-21'), 'a.json'), line('2026-11-21-a'));
      seen.push(await ids());
    } finally {
      await reusing.close();
    }
    // Assess
    expect(seen).toEqual([
      ['2026-11-19-a', '2026-11-20-a'],
      ['2026-11-19-a', '2026-11-20-a'],
      ['2026-11-19-a', '2026-11-20-a', '2026-11-20-b'],
      ['2026-11-19-a', '2026-11-19-late', '2026-11-20-a', '2026-11-20-b'],
      ['2026-11-19-a', '2026-11-19-late', '2026-11-20-b'],
      ['2026-11-19-a', '2026-11-19-late', '2026-11-20-b', '2026-11-21-a'],
    ]);
  });

  it('reads only the lines appended to a Bronze file since its last read, never a line still being written', async () => {
    // Prepare: the local bus appends whole lines to its file of the hour; lines ~100 bytes long.
    const settle = () => new Promise((resolve) => setTimeout(resolve, 30));
    const reusing = await DuckDbQueryEngine.open({ root, tables: [raw], threads: 1, listingGraceMs: 0 });
    const dir = join(root, 'bronze/raw_events/dt=2026-11-20');
    const file = join(dir, 'part-1.json');
    const line = (id: string, pad = 'p') =>
      `{"id":"${id}","detail-type":"x","detail":{"pad":"${pad.repeat(60)}"}}\n`;
    await mkdir(dir, { recursive: true });
    await writeFile(file, line('e1'));
    const ids = async () =>
      (await reusing.query('SELECT id FROM bronze.raw_events ORDER BY id')).map((r) => String(r.id));
    const seen: string[][] = [];
    try {
      seen.push(await ids()); // the day loaded whole
      await settle();
      await writeFile(file, line('e2'), { flag: 'a' });
      seen.push(await ids()); // its first change: the folder read again, line by line from now on
      await settle();
      // Act 1: e1 changed in place (same length; the bus never does this) and e3 appended: only
      // the appended line is read, so the cache still holds e1 as it was.
      const text = await readFile(file, 'utf8');
      await writeFile(file, `${text.replace('"id":"e1"', '"id":"x1"')}${line('e3')}`);
      seen.push(await ids());
      await settle();
      // Act 2: a line still being written is not read; once its newline is there, it is, once.
      await writeFile(file, line('e4').slice(0, 40), { flag: 'a' });
      seen.push(await ids());
      await settle();
      await writeFile(file, line('e4').slice(40), { flag: 'a' });
      seen.push(await ids());
      await settle();
      // Act 3: the file rewritten with other lines (its last read line is gone): read again whole.
      await writeFile(
        file,
        `${line('f1', 'q')}${line('f2', 'q')}${line('f3', 'q')}${line('f4', 'q')}${line('f5', 'q')}`,
      );
      seen.push(await ids());
    } finally {
      await reusing.close();
    }
    // Assess
    expect(seen).toEqual([
      ['e1'],
      ['e1', 'e2'],
      ['e1', 'e2', 'e3'],
      ['e1', 'e2', 'e3'],
      ['e1', 'e2', 'e3', 'e4'],
      ['f1', 'f2', 'f3', 'f4', 'f5'],
    ]);
  });

  it('reads a new Bronze day whose file has a line still being written: its whole lines, then that line once complete', async () => {
    // Prepare: the first event of a new day (or of a fresh start) half appended when it is read.
    const settle = () => new Promise((resolve) => setTimeout(resolve, 30));
    const reusing = await DuckDbQueryEngine.open({ root, tables: [raw], threads: 1, listingGraceMs: 0 });
    const day = (dt: string) => join(root, 'bronze/raw_events', `dt=${dt}`);
    const line = (id: string) => `{"id":"${id}","detail-type":"x","detail":{"pad":"${'p'.repeat(60)}"}}\n`;
    await mkdir(day('2026-11-20'), { recursive: true });
    await writeFile(join(day('2026-11-20'), 'part-1.json'), line('a1'));
    const ids = async () =>
      (await reusing.query('SELECT id FROM bronze.raw_events ORDER BY id')).map((r) => String(r.id));
    const seen: string[][] = [];
    try {
      seen.push(await ids());
      await settle();
      // Act: a new day appears with one whole line and one cut short, then the rest arrives.
      await mkdir(day('2026-11-21'), { recursive: true });
      await writeFile(join(day('2026-11-21'), 'part-1.json'), `${line('b1')}${line('b2').slice(0, 30)}`);
      seen.push(await ids());
      await settle();
      await writeFile(join(day('2026-11-21'), 'part-1.json'), line('b2').slice(30), { flag: 'a' });
      seen.push(await ids());
      await settle();
      await writeFile(join(day('2026-11-21'), 'part-1.json'), line('b3'), { flag: 'a' });
      seen.push(await ids());
    } finally {
      await reusing.close();
    }
    // Assess
    expect(seen).toEqual([['a1'], ['a1', 'b1'], ['a1', 'b1', 'b2'], ['a1', 'b1', 'b2', 'b3']]);
  });

  it('opens on a Bronze lake whose newest file has a line still being written', async () => {
    // Prepare
    const dir = join(root, 'bronze/raw_events/dt=2026-11-20');
    const line = (id: string) => `{"id":"${id}","detail-type":"x"}\n`;
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'part-1.json'), `${line('a1')}${line('a2').slice(0, 12)}`);
    const fresh = await DuckDbQueryEngine.open({ root, tables: [raw], threads: 1, listingGraceMs: 0 });
    // Act
    let rows: unknown[];
    try {
      rows = await fresh.query('SELECT id FROM bronze.raw_events');
    } finally {
      await fresh.close();
    }
    // Assess
    expect(rows).toEqual([{ id: 'a1' }]);
  });

  it('names the lake file of a malformed whole Bronze line, as Athena fails on it (ignore.malformed.json false)', async () => {
    // Prepare: a complete line that is not JSON, before a line still being written.
    const dir = join(root, 'bronze/raw_events/dt=2026-11-20');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'part-1.json'), '{"id":"a1","detail-type":"x"}\n{"id": nope}\n{"id":"a3');
    const fresh = await DuckDbQueryEngine.open({ root, tables: [raw], threads: 1, listingGraceMs: 0 });
    // Act
    const read = fresh.query('SELECT id FROM bronze.raw_events');
    // Assess
    try {
      await expect(read).rejects.toMatchObject({
        code: 'PartitionCorrupt',
        file: 'bronze/raw_events/dt=2026-11-20/part-1.json',
      });
      expect(await readdir(join(root, '_staging')).catch(() => [])).toEqual([]);
    } finally {
      await fresh.close();
    }
  });

  it('reads one version of Bronze inside withPinnedSources, and its own writes at once', async () => {
    // Prepare
    const dir = (dt: string) => join(root, 'bronze/raw_events', `dt=${dt}`);
    const line = (id: string) => `{"id":"${id}","detail-type":"x"}\n`;
    await mkdir(dir('2026-11-20'), { recursive: true });
    await writeFile(join(dir('2026-11-20'), 'a.json'), line('a'));
    const count = 'SELECT count(*) AS n FROM bronze.raw_events';
    // Act
    const inside = await engine.withPinnedSources(async (pinned) => {
      const first = await pinned.query(count);
      await writeFile(join(dir('2026-11-20'), 'b.json'), line('b'));
      await mkdir(dir('2026-11-21'), { recursive: true });
      await writeFile(join(dir('2026-11-21'), 'c.json'), line('c'));
      const second = await pinned.query(count);
      await pinned.writePartitions({
        table: daily,
        sql: `SELECT 'lis' AS city_id, count(*) AS n, 1.5 AS amount, NULL AS at, '2026-11-20' AS dt FROM bronze.raw_events`,
        partitions: [{ dt: '2026-11-20' }],
      });
      const written = await pinned.query("SELECT n FROM gold.daily_totals WHERE dt = '2026-11-20'");
      return { first, second, written };
    });
    const after = await engine.query(count);
    const again = await engine.withPinnedSources((pinned) => pinned.query(count));
    // Assess
    expect(inside.first).toEqual([{ n: 1 }]);
    expect(inside.second).toEqual([{ n: 1 }]);
    expect(inside.written).toEqual([{ n: 1 }]);
    expect(after).toEqual([{ n: 3 }]);
    expect(again).toEqual([{ n: 3 }]);
  });

  it('reports an unknown table as TableUnknown', async () => {
    // Act
    const read = engine.query('SELECT * FROM gold.nope');
    // Assess
    await expect(read).rejects.toMatchObject({ code: 'TableUnknown', retryable: false, table: 'gold.nope' });
  });

  it('streams rows', async () => {
    // Prepare
    const seen: number[] = [];
    // Act
    for await (const row of engine.stream('SELECT range AS i FROM range(5000)')) seen.push(Number(row.i));
    // Assess
    expect(seen).toHaveLength(5000);
    expect(seen.at(-1)).toBe(4999);
  });

  it('cancels a running query when the signal aborts', async () => {
    // Prepare
    const controller = new AbortController();
    // Act
    const running = engine.query('SELECT count(*) FROM range(10000000000) AS a(x) WHERE x % 7 = 3', {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    // Assess
    await expect(running).rejects.toMatchObject({ code: 'QueryCancelled' });
    expect(await engine.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  describe('read-only (access: read-only)', () => {
    it('reads the lake and refuses every write, before touching a file', async () => {
      // Prepare
      await engine.writePartitions({ table: daily, sql: rowsFor('2026-11-20', 3) });
      const reader = await DuckDbQueryEngine.open({ root, tables: [daily], threads: 1, access: 'read-only' });
      try {
        // Act
        const rows = await reader.query('SELECT sum(n) AS n FROM gold.daily_totals');
        const write = reader.writePartitions({ table: daily, sql: rowsFor('2026-11-21', 1) });
        const copy = reader.query(`COPY (SELECT 1) TO '${join(root, 'x.csv')}'`);
        const outside = reader.query(`SELECT * FROM read_text('${tmpdir()}')`);
        // Assess
        expect(rows).toEqual([{ n: 3 }]);
        await expect(write).rejects.toMatchObject({ code: 'QueryRefused', statement: 'WRITE' });
        await expect(copy).rejects.toMatchObject({ code: 'QueryRefused', statement: 'COPY' });
        await expect(outside).rejects.toMatchObject({ code: 'QueryFailed' });
        expect((await readdir(root, { recursive: true })).filter((f) => f.endsWith('.csv'))).toEqual([]);
        expect(await readdir(join(root, 'gold/daily_totals'))).toEqual(['dt=2026-11-20']);
      } finally {
        await reader.close();
      }
    });

    it('follows Bronze files appended to without writing a scratch file under the lake', async () => {
      // Prepare
      const settle = () => new Promise((resolve) => setTimeout(resolve, 30));
      const dir = join(root, 'bronze/raw_events/dt=2026-11-20');
      const line = (id: string) => `{"id":"${id}","detail-type":"x"}\n`;
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'part-1.json'), line('e1'));
      const reader = await DuckDbQueryEngine.open({
        root,
        tables: [raw],
        threads: 1,
        access: 'read-only',
        listingGraceMs: 0,
      });
      const ids = async () =>
        (await reader.query('SELECT id FROM bronze.raw_events ORDER BY id')).map((r) => String(r.id));
      const seen: string[][] = [];
      try {
        // Act
        seen.push(await ids());
        for (const id of ['e2', 'e3']) {
          await settle();
          await writeFile(join(dir, 'part-1.json'), line(id), { flag: 'a' });
          seen.push(await ids());
        }
      } finally {
        await reader.close();
      }
      // Assess
      expect(seen).toEqual([['e1'], ['e1', 'e2'], ['e1', 'e2', 'e3']]);
      expect(await readdir(root)).toEqual(['bronze']);
    });
  });
});
