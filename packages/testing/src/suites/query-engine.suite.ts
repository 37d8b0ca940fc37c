import type { QueryEngine, TableDefinition } from '@lakeops/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

export interface QueryEngineFixture {
  readonly engine: QueryEngine;
  /** A writable Parquet table partitioned by `dt` with columns `city_id string`, `n bigint`. */
  readonly table: TableDefinition;
  cleanup?(): Promise<void>;
}

/**
 * The behaviour every `QueryEngine` has, run against each adapter (DuckDB for real, Athena with a
 * mocked client).
 *
 * @example
 * ```ts
 * queryEngineBehaviour('DuckDbQueryEngine', async () => ({ engine, table }));
 * ```
 */
export function queryEngineBehaviour(name: string, make: () => Promise<QueryEngineFixture>): void {
  describe(`QueryEngine behaviour: ${name}`, () => {
    let fixture: QueryEngineFixture;
    beforeEach(async () => {
      fixture = await make();
    });
    afterEach(async () => {
      await fixture.cleanup?.();
    });

    it('returns rows as plain values', async () => {
      // Act
      const rows = await fixture.engine.query(
        "SELECT 1 AS one, 'x' AS s, CAST(2.5 AS DOUBLE) AS d, true AS b, CAST(NULL AS VARCHAR) AS z, DATE '2026-11-20' AS day",
      );
      // Assess
      expect(rows).toEqual([{ one: 1, s: 'x', d: 2.5, b: true, z: null, day: '2026-11-20' }]);
    });

    it('keeps DECIMAL values exact: a number when it prints back the same, else the decimal text', async () => {
      // Prepare
      const sql =
        "SELECT CAST('12345678901234567.89' AS DECIMAL(38,2)) AS big, CAST('10.50' AS DECIMAL(12,2)) AS small, CAST(NULL AS DECIMAL(12,2)) AS none";
      // Act
      const rows = await fixture.engine.query(sql);
      const streamed: unknown[] = [];
      for await (const row of fixture.engine.stream(sql)) streamed.push(row);
      // Assess
      const expected = [{ big: '12345678901234567.89', small: 10.5, none: null }];
      expect(rows).toEqual(expected);
      expect(streamed).toEqual(expected);
    });

    it('streams the same rows', async () => {
      // Prepare
      const seen: unknown[] = [];
      // Act
      for await (const row of fixture.engine.stream("SELECT 1 AS one, 'x' AS s")) seen.push(row);
      // Assess
      expect(seen).toEqual([{ one: 1, s: 'x' }]);
    });

    it('writes partitions and reads them back by <zone>.<table>', async () => {
      // Prepare
      const { engine, table } = fixture;
      const name = `${table.zone}.${table.name}`;
      // Act
      const result = await engine.writePartitions({
        table,
        sql: "SELECT 'lis' AS city_id, 3 AS n, '2026-11-20' AS dt",
        partitions: [{ dt: '2026-11-20' }],
      });
      const rows = await engine.query(`SELECT city_id, n, dt FROM ${name}`);
      // Assess
      expect(result.written).toEqual([{ dt: '2026-11-20' }]);
      expect(rows).toEqual([{ city_id: 'lis', n: 3, dt: '2026-11-20' }]);
    });

    it('fails with TableUnknown for an unknown table and QueryFailed for bad SQL, neither retryable', async () => {
      // Act
      const unknown = await fixture.engine.query('SELECT * FROM gold.no_such_table').catch((e: unknown) => e);
      const bad = await fixture.engine.query('SELEC 1').catch((e: unknown) => e);
      // Assess
      expect(unknown).toMatchObject({ code: 'TableUnknown', retryable: false });
      expect(bad).toMatchObject({ code: 'QueryFailed', retryable: false });
    });
  });
}
