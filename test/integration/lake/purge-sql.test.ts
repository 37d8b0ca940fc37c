import {
  dimUserPublic,
  dsarPurgeIds,
  factReviews,
  factSearchImpressions,
  profileSql,
  purgeSql,
} from '@lakeops/lake';
import nodeSqlParser from 'node-sql-parser';
import { describe, expect, it } from 'vitest';

const trino = new nodeSqlParser.Parser();
const parseTrino = (sql: string) => trino.astify(sql, { database: 'trino' });
const ids = { table: 'silver_private.dsar_purge_ids', run: 'purge-20261201-020000-abc123' };
const partitions = [
  { dt: '2026-11-19', city_id: 'c01' },
  { dt: '2026-11-20', city_id: 'c02' },
];

describe('purgeSql', () => {
  for (const dialect of ['athena', 'duckdb'] as const) {
    it(`${dialect}: never holds a user id, only the ids table and the run`, () => {
      // Prepare
      const sql = purgeSql(dialect);
      // Act
      const texts = [
        sql.affected(factReviews, ids),
        sql.affected(factSearchImpressions, ids, { partitions }),
        sql.partitionStats(factSearchImpressions, ids, partitions),
        sql.keptRows(factSearchImpressions, ids, partitions),
        sql.matches(factReviews, ids),
        sql.userIds(factReviews, [{ dt: '2026-11-19' }]),
      ];
      // Assess
      for (const text of texts.slice(0, 5)) {
        expect(text).toContain(
          `FROM silver_private.dsar_purge_ids WHERE "run" = 'purge-20261201-020000-abc123'`,
        );
      }
      expect(texts.join('\n')).not.toMatch(/'u\d|x' OR/);
    });
  }

  it('athena: every statement parses as Trino', () => {
    // Prepare
    const sql = purgeSql('athena');
    // Act
    const parse = [
      sql.affected(factReviews, ids),
      sql.affected(factSearchImpressions, ids, { partitions }),
      sql.affected(factSearchImpressions, ids, { partitions: [] }),
      sql.partitionStats(factSearchImpressions, ids, partitions),
      sql.partitionStats(dimUserPublic, ids, [{}]),
      sql.keptRows(factSearchImpressions, ids, partitions),
      `SELECT count(*) FROM silver.fact_reviews WHERE ${sql.matches(factReviews, ids)}`,
      profileSql(factReviews, 'athena', 'silver.fact_reviews', sql.matches(factReviews, ids)),
      profileSql(dimUserPublic, 'athena', 'silver.dim_user_public', sql.matches(dimUserPublic, ids)),
      sql.userIds(factReviews, [{ dt: '2026-11-19' }]),
    ].map((text) => () => parseTrino(text));
    // Assess
    for (const p of parse) expect(p).not.toThrow();
  });

  it('narrows the find step to the given partitions, read through the relation the engine gave', () => {
    // Act
    const text = purgeSql('duckdb').affected(factSearchImpressions, ids, {
      partitions,
      from: "(SELECT * FROM read_parquet(['/lake/dt=2026-11-19/city_id=c01/*.parquet']))",
    });
    const none = purgeSql('duckdb').affected(factSearchImpressions, ids, { partitions: [] });
    // Assess
    expect(text).toContain(
      "FROM (SELECT * FROM read_parquet(['/lake/dt=2026-11-19/city_id=c01/*.parquet'])) AS t JOIN",
    );
    expect(text).toContain(
      `WHERE (t."dt" IN ('2026-11-19', '2026-11-20') AND t."city_id" IN ('c01', 'c02') AND`,
    );
    expect(text).toContain(`t."dt" || '/' || t."city_id" IN ('2026-11-19/c01', '2026-11-20/c02')`);
    expect(none).toContain('WHERE false');
  });

  it('matches a row on any of the table user columns, never on NULL', () => {
    // Act
    const text = purgeSql('duckdb').matches(factReviews, ids);
    // Assess
    expect(text).toContain('("user_id" IS NOT NULL AND "user_id" IN (');
    expect(text).toContain('OR ("seller_id" IS NOT NULL AND "seller_id" IN (');
  });

  it('keeps the ids table out of the purge itself (no user columns, NDJSON, by run)', () => {
    // Assess
    expect(dsarPurgeIds).toMatchObject({ userColumns: [], format: 'ndjson', partitionKeys: ['run'] });
  });
});
