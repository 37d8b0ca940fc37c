import { describe, expect, it } from 'vitest';
import {
  effectiveAccess,
  type PolicyCatalog,
  parseRowFilter,
  rowFilterSql,
  type TableDefinition,
} from '../src/index.ts';

const legs: TableDefinition = {
  zone: 'silver',
  name: 'legs',
  description: 'legs',
  format: 'parquet',
  columns: ['leg_id', 'city_id', 'user_id'].map((name) => ({
    name,
    type: 'string' as const,
    sensitivity: 'internal' as const,
  })),
  partitionKeys: ['dt'],
  primaryKey: [],
  userColumns: [],
};
const catalog: PolicyCatalog = { tables: [legs], databaseName: (z) => `lakeops_prod_${z}` };
const A = 'arn:aws:iam::123456789012:role/a';
const DB = 'lakeops_prod_silver';
const filter = {
  database: DB,
  table: 'legs',
  name: 'f',
  rowFilter: "city_id = 'lis'",
  columns: { exclude: ['user_id'] },
};

describe('effectiveAccess', () => {
  it('reads a data cells filter as its columns and rows, and ignores other principals and permissions', () => {
    // Prepare
    const grants = [
      {
        principal: A,
        resource: { kind: 'dataCellsFilter' as const, database: DB, table: 'legs', name: 'f' },
        permissions: ['SELECT'],
      },
      {
        principal: A,
        resource: { kind: 'table' as const, database: DB, table: 'legs' },
        permissions: ['DESCRIBE'],
      },
      {
        principal: 'arn:aws:iam::123456789012:role/b',
        resource: { kind: 'table' as const, database: DB, table: 'legs' },
        permissions: ['SELECT'],
      },
    ];
    // Act
    const access = effectiveAccess(A, grants, [filter], catalog);
    // Assess
    expect(access.get('silver.legs')?.columns).toEqual(['leg_id', 'city_id']);
    expect(access.get('silver.legs')?.rowFilter).toEqual(parseRowFilter("city_id = 'lis'"));
  });

  it('adds grants up: a column grant with all rows beside a filter opens every row', () => {
    // Prepare
    const grants = [
      {
        principal: A,
        resource: { kind: 'dataCellsFilter' as const, database: DB, table: 'legs', name: 'f' },
        permissions: ['SELECT'],
      },
      {
        principal: A,
        resource: {
          kind: 'tableWithColumns' as const,
          database: DB,
          table: 'legs',
          columns: { include: ['user_id'] },
        },
        permissions: ['SELECT'],
      },
    ];
    // Act
    const access = effectiveAccess(A, grants, [filter], catalog);
    // Assess
    expect(access.get('silver.legs')).toMatchObject({
      columns: ['leg_id', 'city_id', 'user_id'],
      rowFilter: undefined,
    });
  });
});

describe('rowFilterSql', () => {
  it('quotes identifiers and literals', () => {
    // Prepare
    const node = parseRowFilter(
      "(city_id IN ('lis','o''po') OR amount BETWEEN 1 AND 2) AND NOT note IS NULL",
    );
    // Act
    const sql = rowFilterSql(node);
    // Assess
    expect(sql).toBe(
      `((("city_id" IN ('lis', 'o''po')) OR ("amount" BETWEEN 1 AND 2)) AND (NOT ("note" IS NULL)))`,
    );
  });
});
