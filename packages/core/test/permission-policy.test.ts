import { describe, expect, it } from 'vitest';
import {
  type PermissionPolicy,
  type PolicyCatalog,
  PolicyInvalidError,
  resolvePolicy,
  type TableDefinition,
} from '../src/index.ts';

const table = (
  zone: TableDefinition['zone'],
  name: string,
  columns: [
    string,
    TableDefinition['columns'][number]['type'],
    TableDefinition['columns'][number]['sensitivity'],
  ][],
  partitionKeys: string[] = [],
): TableDefinition => ({
  zone,
  name,
  description: name,
  format: 'parquet',
  columns: columns.map(([n, type, sensitivity]) => ({ name: n, type, sensitivity })),
  partitionKeys,
  primaryKey: [],
  userColumns: [],
});

const catalog: PolicyCatalog = {
  tables: [
    table(
      'silver',
      'fact_booking_legs',
      [
        ['leg_id', 'string', 'internal'],
        ['user_id', 'string', 'confidential'],
        ['city_id', 'string', 'public'],
        ['amount', 'decimal(18,2)', 'internal'],
        ['scheduled_for', 'timestamp', 'internal'],
      ],
      ['dt'],
    ),
    table('silver_private', 'users_private', [
      ['user_id', 'string', 'confidential'],
      ['email_sha256', 'string', 'restricted'],
    ]),
    table('gold', 'leaky', [
      ['city_id', 'string', 'public'],
      ['email_sha256', 'string', 'restricted'],
    ]),
    table('gold', 'kpi_gmv_daily', [
      ['city_id', 'string', 'public'],
      ['gmv', 'decimal(18,2)', 'internal'],
    ]),
  ],
  databaseName: (zone) => `lakeops_prod_${zone}`,
};

const ANALYST = 'arn:aws:iam::123456789012:role/analyst';
const PRIVACY = 'arn:aws:iam::123456789012:role/privacy';
const principals = [
  { name: 'analyst', arn: ANALYST },
  { name: 'privacy', arn: PRIVACY, privacy: true },
];

function problemsOf(policy: unknown, stage = 'prod'): string[] {
  try {
    resolvePolicy(policy, 'permissions/policy.ts', stage, catalog);
  } catch (error) {
    if (error instanceof PolicyInvalidError) return error.message.split('\n');
    throw error;
  }
  return [];
}

describe('resolvePolicy', () => {
  it('resolves database, table, column and row-filter grants into Lake Formation grants and filters', () => {
    // Prepare
    const policy: PermissionPolicy = {
      principals,
      grants: [
        { principal: 'analyst', database: 'gold', permissions: ['DESCRIBE'] },
        { principal: 'analyst', table: 'gold.kpi_gmv_daily', permissions: ['SELECT'] },
        {
          principal: 'analyst',
          table: 'silver.fact_booking_legs',
          permissions: ['SELECT', 'DESCRIBE'],
          columns: { exclude: ['user_id'] },
          rowFilter: "city_id IN ('lis')",
        },
        {
          principal: 'privacy',
          table: 'silver_private.users_private',
          permissions: ['SELECT'],
          columns: { include: ['email_sha256', 'user_id'] },
        },
      ],
    };
    // Act
    const desired = resolvePolicy(policy, 'permissions/policy.ts', 'prod', catalog);
    // Assess
    expect(desired.grants).toEqual([
      {
        principal: ANALYST,
        resource: { kind: 'database', database: 'lakeops_prod_gold' },
        permissions: ['DESCRIBE'],
      },
      {
        principal: ANALYST,
        resource: { kind: 'table', database: 'lakeops_prod_gold', table: 'kpi_gmv_daily' },
        permissions: ['SELECT'],
      },
      {
        principal: ANALYST,
        resource: { kind: 'table', database: 'lakeops_prod_silver', table: 'fact_booking_legs' },
        permissions: ['DESCRIBE'],
      },
      {
        principal: ANALYST,
        resource: {
          kind: 'dataCellsFilter',
          database: 'lakeops_prod_silver',
          table: 'fact_booking_legs',
          name: 'lakeops__analyst__fact_booking_legs',
        },
        permissions: ['SELECT'],
      },
      {
        principal: PRIVACY,
        resource: {
          kind: 'tableWithColumns',
          database: 'lakeops_prod_silver_private',
          table: 'users_private',
          columns: { include: ['user_id', 'email_sha256'] },
        },
        permissions: ['SELECT'],
      },
    ]);
    expect(desired.filters).toEqual([
      {
        database: 'lakeops_prod_silver',
        table: 'fact_booking_legs',
        name: 'lakeops__analyst__fact_booking_legs',
        rowFilter: "city_id IN ('lis')",
        columns: { exclude: ['user_id'] },
      },
    ]);
    expect(desired.principals).toEqual([ANALYST, PRIVACY]);
    expect(desired.databases).toEqual([
      'lakeops_prod_gold',
      'lakeops_prod_silver',
      'lakeops_prod_silver_private',
    ]);
  });

  it('lets one stage open what another filters', () => {
    // Prepare
    const policy: PermissionPolicy = {
      principals,
      grants: [
        {
          principal: 'analyst',
          table: 'silver.fact_booking_legs',
          permissions: ['SELECT'],
          rowFilter: "city_id = 'lis'",
          stages: { dev: { rowFilter: null } },
        },
      ],
    };
    // Act
    const prod = resolvePolicy(policy, 'p.ts', 'prod', catalog);
    const dev = resolvePolicy(policy, 'p.ts', 'dev', catalog);
    // Assess
    expect(prod.grants.map((g) => g.resource.kind)).toEqual(['dataCellsFilter']);
    expect(dev.grants).toEqual([
      {
        principal: ANALYST,
        resource: { kind: 'table', database: 'lakeops_prod_silver', table: 'fact_booking_legs' },
        permissions: ['SELECT'],
      },
    ]);
    expect(dev.filters).toEqual([]);
  });

  it('checks the JSON Schema first and names the file', () => {
    // Prepare
    const policy = {
      principals: [{ name: 'analyst', arn: 'not-an-arn' }],
      grants: [{ principal: 'analyst', table: 'gold.kpi_gmv_daily', permissions: ['INSERT'] }],
    };
    // Act
    const problems = problemsOf(policy);
    // Assess
    expect(problems).toContain(
      'permissions/policy.ts: /principals/0/arn must match pattern "^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$"',
    );
    expect(problems).toContain(
      'permissions/policy.ts: /grants/0/permissions/0 must be equal to one of the allowed values',
    );
  });

  it('names file, principal and column for catalog and privacy problems', () => {
    // Prepare
    const policy: PermissionPolicy = {
      principals,
      grants: [
        {
          principal: 'analyst',
          table: 'silver.fact_booking_legs',
          permissions: ['SELECT'],
          columns: { include: ['city_id', 'nope'] },
        },
        { principal: 'analyst', table: 'silver_private.users_private', permissions: ['SELECT'] },
        { principal: 'privacy', table: 'gold.leaky', permissions: ['SELECT'] },
        { principal: 'privacy', table: 'silver_private.users_private', permissions: ['SELECT'] },
        { principal: 'ghost', table: 'gold.kpi_gmv_daily', permissions: ['SELECT'] },
        { principal: 'analyst', table: 'gold.missing', permissions: ['SELECT'] },
      ],
    };
    // Act
    const problems = problemsOf(policy);
    // Assess
    expect(problems).toEqual([
      'permissions/policy.ts: principal analyst: column silver.fact_booking_legs.nope: column is not in the table',
      'permissions/policy.ts: principal analyst: column silver_private.users_private.email_sha256: restricted column granted to a principal without privacy: true',
      'permissions/policy.ts: principal privacy: column gold.leaky.email_sha256: a Gold table may expose no restricted column',
      'permissions/policy.ts: principal ghost: principal is not declared in principals',
      'permissions/policy.ts: principal analyst: table gold.missing: table is not in the catalog',
    ]);
  });

  it('keeps a restricted column from a non-privacy principal unless the column list excludes it', () => {
    // Prepare
    const policy: PermissionPolicy = {
      principals,
      grants: [
        {
          principal: 'analyst',
          table: 'silver_private.users_private',
          permissions: ['SELECT'],
          columns: { exclude: ['email_sha256'] },
        },
      ],
    };
    // Act
    const problems = problemsOf(policy);
    // Assess
    expect(problems).toEqual([]);
  });

  it('checks row filters against the table: unknown columns, types, functions, timestamps', () => {
    // Prepare
    const grant = (rowFilter: string) => ({
      principal: 'analyst',
      table: 'silver.fact_booking_legs' as const,
      permissions: ['SELECT' as const],
      rowFilter,
    });
    const policy: PermissionPolicy = {
      principals,
      grants: [grant("dt >= '2026-01-01' AND city_id IN ('lis')")],
    };
    const bad = (rowFilter: string) => problemsOf({ principals, grants: [grant(rowFilter)] });
    // Act
    const good = problemsOf(policy);
    // Assess
    expect(good).toEqual([]);
    expect(bad("country = 'PT'")).toEqual([
      'permissions/policy.ts: principal analyst: column silver.fact_booking_legs.country: row filter reads a column that is not in the table',
    ]);
    expect(bad('city_id = 3')).toEqual([
      'permissions/policy.ts: principal analyst: column silver.fact_booking_legs.city_id: row filter compares a string column with a number',
    ]);
    expect(bad("upper(city_id) = 'LIS'")).toEqual([
      'permissions/policy.ts: principal analyst: column silver.fact_booking_legs.upper: row filter: function upper() is not allowed in a row filter',
    ]);
    expect(bad("scheduled_for > '2026-01-01'")[0]).toContain(
      'column silver.fact_booking_legs.scheduled_for: row filters cannot read timestamp columns',
    );
  });
});
