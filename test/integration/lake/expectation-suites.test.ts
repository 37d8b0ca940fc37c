import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { qualifiedName } from '@lakeops/core';
import {
  athenaTableNames,
  compileSuite,
  ExpectationInvalidError,
  loadExpectationSuites,
  suiteFor,
  tables,
} from '@lakeops/lake';
import nodeSqlParser from 'node-sql-parser';
import { describe, expect, it } from 'vitest';

const trino = new nodeSqlParser.Parser();

describe('loadExpectationSuites', () => {
  it('loads the committed suites; every table suite compiles and its Athena text parses as Trino', async () => {
    // Act
    const suites = await loadExpectationSuites();
    // Assess
    expect([...suites.keys()].sort()).toEqual([
      'gold.kpi_gmv_daily',
      'silver.fact_payouts',
      'silver.fact_reviews',
    ]);
    for (const table of tables.filter((t) => t.zone !== 'bronze')) {
      for (const check of compileSuite(table, suiteFor(table, suites), { dt: '2026-11-20' })) {
        const athena = athenaTableNames(check.sql, 'lakeops_prod');
        expect(
          () => trino.astify(athena, { database: 'trino' }),
          `${qualifiedName(table)}: ${athena}`,
        ).not.toThrow();
      }
    }
  });

  it('puts the catalog checks first, then the suite file', async () => {
    // Prepare
    const reviews = tables.find((t) => qualifiedName(t) === 'silver.fact_reviews');
    if (!reviews) throw new Error('no fact_reviews');
    // Act
    const names = suiteFor(reviews, await loadExpectationSuites()).map((e) => e.name);
    // Assess
    expect(names.slice(0, 1)).toEqual(['unique(review_id)']);
    expect(names.slice(-2)).toEqual(['rating is 1..5, never null', 'no review dated after its partition']);
  });

  it('refuses a suite for a table the catalog lacks, and an unsupported type', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'lakeops-suites-'));
    const other = await mkdtemp(join(tmpdir(), 'lakeops-suites-'));
    try {
      await writeFile(join(dir, 'gold.nope.json'), '{"expectations": []}');
      await writeFile(
        join(other, 'gold.kpi_gmv_daily.json'),
        '{"expectations": [{"type": "expect_column_to_exist", "column": "gmv"}]}',
      );
      // Act + Assess
      await expect(loadExpectationSuites(dir)).rejects.toThrow(ExpectationInvalidError);
      await expect(loadExpectationSuites(other)).rejects.toThrow(
        'gold.kpi_gmv_daily.json: unsupported #1 expect_column_to_exist',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
      await rm(other, { recursive: true, force: true });
    }
  });
});
