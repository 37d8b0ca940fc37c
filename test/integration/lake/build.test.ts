import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbQueryEngine, FsObjectStore } from '@lakeops/adapters-local';
import { buildLake, daysBetween, loadModels, runDataTests, seedBronze, tables } from '@lakeops/lake';
import { filesUnder } from '@lakeops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const end = new Date('2026-11-20T23:59:59.999Z');

describe('buildLake', () => {
  let home: string;
  let root: string;
  let engine: DuckDbQueryEngine;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'lakeops-build-'));
    root = join(home, 'lake');
    await seedBronze({ store: new FsObjectStore({ root }) }, { days: 3, users: 300, seed: 42, end });
    engine = await DuckDbQueryEngine.open({ root, tables, threads: 1 });
    await buildLake({ engine });
  });
  afterAll(async () => {
    await engine.close();
    await rm(home, { recursive: true, force: true });
  });

  it('builds every table and passes its data tests (keys, not null, relationships, ranges)', async () => {
    // Act
    const results = await runDataTests(
      { engine },
      tables.filter((t) => t.zone !== 'bronze'),
    );
    // Assess
    expect(results.length).toBeGreaterThan(100);
    expect(results.filter((r) => r.failures > 0)).toEqual([]);
    expect(results).toContainEqual({ table: 'silver.fact_reviews', test: 'rating >= 1', failures: 0 });
    expect(results).toContainEqual({ table: 'silver.fact_reviews', test: 'rating <= 5', failures: 0 });
  });

  it('fails a data test when a rating is out of range', async () => {
    // Prepare
    const reviews = tables.find((t) => t.name === 'fact_reviews');
    if (!reviews) throw new Error('no fact_reviews');
    const bad = { ...reviews, name: 'fact_reviews_broken' };
    const broken = await DuckDbQueryEngine.open({ root, tables: [...tables, bad], threads: 1 });
    try {
      await broken.writePartitions({
        table: bad,
        sql: `SELECT 'r' || rating AS review_id, 'b1' AS booking_id, 'l1' AS leg_id, 'u0000001' AS user_id, 's000001' AS seller_id,
          'svc000001' AS service_id, 'lis' AS city_id, rating, TIMESTAMP '2026-11-20 10:00:00' AS occurred_at, '2026-11-20' AS dt
          FROM (VALUES (0), (3), (6)) AS v (rating)`,
      });
      // Act
      const results = await runDataTests({ engine: broken }, [bad]);
      // Assess
      expect(results).toContainEqual({
        table: 'silver.fact_reviews_broken',
        test: 'rating <= 5',
        failures: 1,
      });
      expect(results).toContainEqual({
        table: 'silver.fact_reviews_broken',
        test: 'rating >= 1',
        failures: 1,
      });
      expect(results).toContainEqual({
        table: 'silver.fact_reviews_broken',
        test: 'unique(review_id)',
        failures: 0,
      });
    } finally {
      await broken.close();
      await rm(join(root, 'silver', 'fact_reviews_broken'), { recursive: true, force: true });
    }
  });

  it('rebuilds only the dt partitions asked for', async () => {
    // Prepare
    const before = await filesUnder(join(root, 'silver', 'fact_search_impressions'));
    // Act
    const result = await buildLake(
      { engine },
      { from: '2026-11-20', to: '2026-11-20', select: ['silver.fact_search_impressions'] },
    );
    const after = await filesUnder(join(root, 'silver', 'fact_search_impressions'));
    // Assess
    expect(result.models.map((m) => m.model)).toEqual(['silver.fact_search_impressions']);
    expect(result.models[0]?.partitions).toBe(
      (await readdir(join(root, 'silver/fact_search_impressions/dt=2026-11-20'))).length,
    );
    expect([...after.keys()]).toEqual([...before.keys()]);
    for (const [key, bytes] of before) {
      if (!key.startsWith('dt=2026-11-20/')) expect(after.get(key), key).toEqual(bytes);
    }
    expect([...after.keys()].filter((k) => k.startsWith('dt=2026-11-20/city_id=lis/'))).toHaveLength(1);
    const [count] = await engine.query(
      "SELECT count(*) AS n FROM silver.fact_search_impressions WHERE dt = '2026-11-20'",
    );
    const [bronze] = await engine.query(
      "SELECT count(*) AS n FROM bronze.events WHERE detail_type = 'search.impression' AND dt = '2026-11-20'",
    );
    expect(count).toEqual(bronze);
  });

  it('counts an event delivered twice once', async () => {
    // Prepare
    const file = join(root, 'bronze/events/dt=2026-11-20/hour=12/seed-00000.json');
    const original = await readFile(file, 'utf8');
    const impression = original.split('\n').find((l) => l.includes('"search.impression"'));
    if (!impression) throw new Error('no impression at noon');
    await writeFile(file, `${original}${impression}\n`);
    try {
      // Act
      await buildLake(
        { engine },
        { from: '2026-11-20', to: '2026-11-20', select: ['silver.fact_search_impressions'] },
      );
      const [silver] = await engine.query(
        "SELECT count(*) AS n FROM silver.fact_search_impressions WHERE dt = '2026-11-20'",
      );
      const [bronze] = await engine.query(
        "SELECT count(*) AS all_rows, count(DISTINCT id) AS n FROM bronze.events WHERE detail_type = 'search.impression' AND dt = '2026-11-20'",
      );
      // Assess
      expect(bronze?.all_rows).toBe(Number(bronze?.n) + 1);
      expect(silver?.n).toBe(bronze?.n);
    } finally {
      await writeFile(file, original);
    }
  });

  describe('one Silver row per event id', async () => {
    // Every Silver model over bronze.events, with the detail-type it reads.
    const eventModels = (await loadModels())
      .filter((m) => m.dependsOn.includes('bronze.events'))
      .map((m) => ({ name: m.name, type: /detail_type = '([^']+)'/.exec(m.sql)?.[1] as string }));
    // A dimension (not partitioned by dt) is compared whole.
    const byDt = new Set(
      tables.filter((t) => t.partitionKeys.includes('dt')).map((t) => `${t.zone}.${t.name}`),
    );
    const rowsOf = (table: string, dt: string) =>
      engine.query(`SELECT * FROM ${table}${byDt.has(table) ? ` WHERE dt = '${dt}'` : ''} ORDER BY ALL`);

    it('reads one detail-type in each of them', () => {
      expect(eventModels.length).toBeGreaterThanOrEqual(12);
      expect(eventModels.filter((m) => !m.type)).toEqual([]);
    });

    it.each(eventModels)(
      '$name keeps the earliest copy of an id put twice; Gold is unaffected',
      async ({ name, type }) => {
        // Prepare: an event of the type (one from the seed; else the contract's example in the
        // envelope of another seeded event), then the same id again an hour later in Bronze,
        // re-stamped a second later (a producer retry), so it is not a byte-identical copy.
        const events = join(root, 'bronze/events');
        const files = (await readdir(events, { recursive: true })).filter((f) => f.endsWith('.json')).sort();
        const lines = async (file: string) => (await readFile(join(events, file), 'utf8')).split('\n');
        let seeded: { line: string; file: string } | undefined;
        for (const file of files) {
          const line = (await lines(file)).find((l) => l.includes(`"detail-type":"${type}"`));
          if (line) {
            seeded = { line, file };
            break;
          }
        }
        const added: string[] = [];
        const add = async (dt: string, event: object) => {
          const file = join(events, `dt=${dt}`, 'hour=23', `retry-${added.length}.json`);
          await writeFile(file, `${JSON.stringify(event)}\n`);
          added.push(file);
        };
        let event: { id: string; time: string };
        let dt: string;
        if (seeded) {
          event = JSON.parse(seeded.line);
          dt = /dt=(\d{4}-\d{2}-\d{2})/.exec(seeded.file)?.[1] as string;
        } else {
          const examples = JSON.parse(
            await readFile(
              new URL(`../../../packages/contracts/events/${type}.v1.examples.json`, import.meta.url),
              'utf8',
            ),
          ) as { valid: { detail: object }[] };
          const envelope = JSON.parse((await lines(files.at(-1) as string))[0] as string);
          dt = /dt=(\d{4}-\d{2}-\d{2})/.exec(files.at(-1) as string)?.[1] as string;
          event = { ...envelope, id: `dup-${type}`, 'detail-type': type, detail: examples.valid[0]?.detail };
          await add(dt, event);
        }
        const gold = tables.filter((t) => t.zone === 'gold').map((t) => `${t.zone}.${t.name}`);
        try {
          await buildLake({ engine }, { from: dt, to: dt, select: [name, 'gold'] });
          const silverOnce = await rowsOf(name, dt);
          const goldOnce = await Promise.all(gold.map((t) => rowsOf(t, dt)));
          await add(dt, { ...event, time: new Date(Date.parse(event.time) + 1000).toISOString() });
          // Act
          await buildLake({ engine }, { from: dt, to: dt, select: [name, 'gold'] });
          const [bronze] = await engine.query(
            `SELECT count(*) AS n FROM bronze.events WHERE id = '${event.id}'`,
          );
          // Assess
          expect(bronze?.n).toBe(2);
          expect(await rowsOf(name, dt)).toEqual(silverOnce);
          expect(await Promise.all(gold.map((t) => rowsOf(t, dt)))).toEqual(goldOnce);
        } finally {
          for (const file of added) await rm(file, { force: true });
          await buildLake({ engine }, { from: dt, to: dt, select: [name, 'gold'] });
        }
      },
    );
  });

  it('stops at a corrupt input file and never overwrites the good data downstream', async () => {
    // Prepare
    const corrupt = join(root, 'silver/fact_booking_legs/dt=2026-11-19/data_0.parquet');
    const good = await readFile(corrupt);
    const goldBefore = await filesUnder(join(root, 'gold'));
    await writeFile(corrupt, 'PAR1 this is not a parquet file');
    try {
      // Act
      const building = buildLake({ engine }, { from: '2026-11-19', to: '2026-11-19', select: ['gold'] });
      // Assess
      await expect(building).rejects.toMatchObject({ code: 'ModelBuildFailed' });
      await expect(building).rejects.toThrow(
        /^model gold\.\w+ failed: corrupt data file silver\/fact_booking_legs\/dt=2026-11-19\/data_0\.parquet: [^\n]+$/,
      );
      expect(await filesUnder(join(root, 'gold'))).toEqual(goldBefore);
      expect(await readdir(join(root, '_staging'))).toEqual([]);
    } finally {
      await writeFile(corrupt, good);
    }
  });

  it('refuses bad ranges, unknown selections and an empty lake', async () => {
    // Prepare
    const empty = await DuckDbQueryEngine.open({ root: join(home, 'empty'), tables, threads: 1 });
    // Act + Assess
    await expect(buildLake({ engine }, { from: '2026-13-01' })).rejects.toThrow(
      /--from must be a date YYYY-MM-DD/,
    );
    await expect(buildLake({ engine }, { from: '2026-11-20', to: '2026-11-19' })).rejects.toThrow(
      /after --to/,
    );
    await expect(buildLake({ engine }, { select: ['gold.nope'] })).rejects.toThrow(
      /no model or zone named 'gold.nope'/,
    );
    await expect(buildLake({ engine: empty })).rejects.toMatchObject({ code: 'LakeEmpty' });
    await empty.close();
  });

  it('lists the days of a range', () => {
    expect(daysBetween('2026-02-27', '2026-03-01')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01']);
  });
});
