import {
  BatchGrantPermissionsCommand,
  BatchRevokePermissionsCommand,
  CreateDataCellsFilterCommand,
  DeleteDataCellsFilterCommand,
  GetDataLakeSettingsCommand,
  LakeFormationClient,
  ListDataCellsFilterCommand,
  ListPermissionsCommand,
} from '@aws-sdk/client-lakeformation';
import {
  DependencyUnavailableError,
  type DesiredPermissions,
  PermissionsApplyIncompleteError,
  syncPermissions,
} from '@lakeops/core';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsRequestRejectedError, LakeFormationPermissions } from '../src/index.ts';

const lf = mockClient(LakeFormationClient);
const CATALOG = '123456789012';
const A = 'arn:aws:iam::123456789012:role/analyst';
const DB = 'lakeops_prod_silver';
const adapter = () =>
  new LakeFormationPermissions(new LakeFormationClient({ region: 'eu-west-1' }), { catalogId: CATALOG });
const awsError = (name: string) =>
  Object.assign(new Error(`${name} message`), { name, $metadata: { httpStatusCode: 400 } });

beforeEach(() => {
  lf.reset();
});

describe('LakeFormationPermissions', () => {
  it('reads every page of ListPermissions and maps table, column-wildcard, filter and other resources', async () => {
    // Prepare
    lf.on(ListPermissionsCommand, { CatalogId: CATALOG })
      .resolvesOnce({
        PrincipalResourcePermissions: [
          {
            Principal: { DataLakePrincipalIdentifier: A },
            Resource: {
              TableWithColumns: { CatalogId: CATALOG, DatabaseName: DB, Name: 'legs', ColumnWildcard: {} },
            },
            Permissions: ['SELECT'],
            PermissionsWithGrantOption: [],
          },
        ],
        NextToken: 'p2',
      })
      .resolvesOnce({
        PrincipalResourcePermissions: [
          {
            Principal: { DataLakePrincipalIdentifier: A },
            Resource: {
              DataCellsFilter: { TableCatalogId: CATALOG, DatabaseName: DB, TableName: 'legs', Name: 'f1' },
            },
            Permissions: ['SELECT'],
          },
          {
            Principal: { DataLakePrincipalIdentifier: A },
            Resource: { Catalog: {} },
            Permissions: ['CREATE_DATABASE'],
          },
        ],
      });
    // Act
    const grants = await adapter().listPermissions();
    // Assess
    expect(lf).toHaveReceivedCommandTimes(ListPermissionsCommand, 2);
    expect(lf).toHaveReceivedNthCommandWith(ListPermissionsCommand, 1, { CatalogId: CATALOG });
    expect(lf).toHaveReceivedNthCommandWith(ListPermissionsCommand, 2, {
      CatalogId: CATALOG,
      NextToken: 'p2',
    });
    expect(grants).toEqual([
      {
        principal: A,
        resource: { kind: 'tableWithColumns', database: DB, table: 'legs', columns: { exclude: [] } },
        permissions: ['SELECT'],
        grantable: [],
      },
      {
        principal: A,
        resource: { kind: 'dataCellsFilter', database: DB, table: 'legs', name: 'f1' },
        permissions: ['SELECT'],
        grantable: [],
      },
      {
        principal: A,
        resource: { kind: 'other', description: '{"Catalog":{}}' },
        permissions: ['CREATE_DATABASE'],
        grantable: [],
      },
    ]);
  });

  it('reads every page of ListDataCellsFilter; AllRowsWildcard is the TRUE filter', async () => {
    // Prepare
    lf.on(ListDataCellsFilterCommand)
      .resolvesOnce({
        DataCellsFilters: [
          {
            TableCatalogId: CATALOG,
            DatabaseName: DB,
            TableName: 'legs',
            Name: 'a',
            RowFilter: { AllRowsWildcard: {} },
            ColumnNames: ['x'],
          },
        ],
        NextToken: 't2',
      })
      .resolvesOnce({
        DataCellsFilters: [
          {
            TableCatalogId: CATALOG,
            DatabaseName: DB,
            TableName: 'legs',
            Name: 'b',
            RowFilter: { FilterExpression: "city_id = 'lis'" },
            ColumnWildcard: { ExcludedColumnNames: ['user_id'] },
          },
        ],
      });
    // Act
    const filters = await adapter().listDataCellsFilters();
    // Assess
    expect(lf).toHaveReceivedNthCommandWith(ListDataCellsFilterCommand, 2, { NextToken: 't2' });
    expect(filters).toEqual([
      { database: DB, table: 'legs', name: 'a', rowFilter: 'TRUE', columns: { include: ['x'] } },
      {
        database: DB,
        table: 'legs',
        name: 'b',
        rowFilter: "city_id = 'lis'",
        columns: { exclude: ['user_id'] },
      },
    ]);
  });

  it('creates and deletes data cells filters with the exact TableData', async () => {
    // Prepare
    lf.on(CreateDataCellsFilterCommand).resolves({});
    lf.on(DeleteDataCellsFilterCommand).resolves({});
    // Act
    await adapter().createDataCellsFilter({
      database: DB,
      table: 'legs',
      name: 'f',
      rowFilter: "city_id IN ('lis')",
      columns: { exclude: ['user_id'] },
    });
    await adapter().createDataCellsFilter({
      database: DB,
      table: 'legs',
      name: 'g',
      rowFilter: 'TRUE',
      columns: { exclude: [] },
    });
    await adapter().deleteDataCellsFilter({ database: DB, table: 'legs', name: 'f' });
    // Assess
    expect(lf).toHaveReceivedNthCommandWith(CreateDataCellsFilterCommand, 1, {
      TableData: {
        TableCatalogId: CATALOG,
        DatabaseName: DB,
        TableName: 'legs',
        Name: 'f',
        RowFilter: { FilterExpression: "city_id IN ('lis')" },
        ColumnWildcard: { ExcludedColumnNames: ['user_id'] },
      },
    });
    expect(lf).toHaveReceivedNthCommandWith(CreateDataCellsFilterCommand, 2, {
      TableData: {
        TableCatalogId: CATALOG,
        DatabaseName: DB,
        TableName: 'legs',
        Name: 'g',
        RowFilter: { AllRowsWildcard: {} },
        ColumnWildcard: {},
      },
    });
    expect(lf).toHaveReceivedCommandWith(DeleteDataCellsFilterCommand, {
      TableCatalogId: CATALOG,
      DatabaseName: DB,
      TableName: 'legs',
      Name: 'f',
    });
  });

  it('reads the IAMAllowedPrincipals defaults from GetDataLakeSettings', async () => {
    // Prepare
    lf.on(GetDataLakeSettingsCommand, { CatalogId: CATALOG }).resolves({
      DataLakeSettings: {
        DataLakeAdmins: [{ DataLakePrincipalIdentifier: 'arn:aws:iam::123456789012:role/admin' }],
        CreateTableDefaultPermissions: [
          { Principal: { DataLakePrincipalIdentifier: 'IAM_ALLOWED_PRINCIPALS' }, Permissions: ['ALL'] },
        ],
      },
    });
    // Act
    const settings = await adapter().getDataLakeSettings();
    // Assess
    expect(settings).toEqual({
      admins: ['arn:aws:iam::123456789012:role/admin'],
      createTableDefaultPrincipals: ['IAM_ALLOWED_PRINCIPALS'],
    });
  });

  it('in a sync, reports the 3 of 20 grant entries that failed and retries only those', async () => {
    // Prepare
    const tables = Array.from({ length: 20 }, (_, i) => `t${String(i).padStart(2, '0')}`);
    const desired: DesiredPermissions = {
      grants: tables.map((table) => ({
        principal: A,
        resource: { kind: 'table' as const, database: DB, table },
        permissions: ['SELECT'],
      })),
      filters: [],
      principals: [A],
      tables: tables.map((table) => ({ database: DB, table })),
      databases: [DB],
    };
    const entry = (i: number) => ({
      Id: String(i),
      Principal: { DataLakePrincipalIdentifier: A },
      Resource: { Table: { CatalogId: CATALOG, DatabaseName: DB, Name: tables[i] } },
      Permissions: ['SELECT' as const],
    });
    lf.on(ListPermissionsCommand).resolves({ PrincipalResourcePermissions: [] });
    lf.on(ListDataCellsFilterCommand).resolves({ DataCellsFilters: [] });
    lf.on(GetDataLakeSettingsCommand).resolves({ DataLakeSettings: {} });
    const failure = (i: number, ErrorCode: string) => ({
      RequestEntry: entry(i),
      Error: { ErrorCode, ErrorMessage: `${ErrorCode} on ${tables[i]}` },
    });
    lf.on(BatchGrantPermissionsCommand)
      .resolvesOnce({
        Failures: [
          failure(2, 'ConcurrentModificationException'),
          failure(9, 'ConcurrentModificationException'),
          failure(17, 'AccessDeniedException'),
        ],
      })
      .resolvesOnce({ Failures: [] });
    const deps = {
      lakePermissions: adapter(),
      events: { syncCompleted: async () => undefined },
      clock: { now: () => new Date('2026-11-27T10:00:00Z') },
      sleep: async () => undefined,
      random: () => 0,
    };
    // Act
    const error = await syncPermissions(deps, { desired }).catch((e: unknown) => e);
    // Assess
    expect(lf).toHaveReceivedCommandTimes(BatchGrantPermissionsCommand, 2);
    expect(lf.commandCalls(BatchGrantPermissionsCommand)[0]?.args[0].input).toEqual({
      CatalogId: CATALOG,
      Entries: Array.from({ length: 20 }, (_, i) => entry(i)),
    });
    expect(lf).toHaveReceivedNthCommandWith(BatchGrantPermissionsCommand, 2, {
      CatalogId: CATALOG,
      Entries: [entry(2), entry(9)],
    });
    expect(lf.commandCalls(BatchGrantPermissionsCommand)[1]?.args[0].input).toEqual({
      CatalogId: CATALOG,
      Entries: [entry(2), entry(9)],
    });
    expect(error).toBeInstanceOf(PermissionsApplyIncompleteError);
    expect((error as PermissionsApplyIncompleteError).failures).toEqual([
      {
        id: '17',
        code: 'AccessDeniedException',
        message: `AccessDeniedException on ${tables[17]}`,
        retryable: false,
      },
    ]);
  });

  it('revokes with the exact column-wildcard resource', async () => {
    // Prepare
    lf.on(BatchRevokePermissionsCommand).resolves({});
    // Act
    const failures = await adapter().batchRevoke([
      {
        id: '0',
        principal: A,
        resource: {
          kind: 'tableWithColumns',
          database: DB,
          table: 'legs',
          columns: { exclude: ['user_id'] },
        },
        permissions: ['SELECT'],
      },
      { id: '1', principal: A, resource: { kind: 'database', database: DB }, permissions: ['DESCRIBE'] },
    ]);
    // Assess
    expect(failures).toEqual([]);
    expect(lf).toHaveReceivedCommandWith(BatchRevokePermissionsCommand, {
      CatalogId: CATALOG,
      Entries: [
        {
          Id: '0',
          Principal: { DataLakePrincipalIdentifier: A },
          Resource: {
            TableWithColumns: {
              CatalogId: CATALOG,
              DatabaseName: DB,
              Name: 'legs',
              ColumnWildcard: { ExcludedColumnNames: ['user_id'] },
            },
          },
          Permissions: ['SELECT'],
        },
        {
          Id: '1',
          Principal: { DataLakePrincipalIdentifier: A },
          Resource: { Database: { CatalogId: CATALOG, Name: DB } },
          Permissions: ['DESCRIBE'],
        },
      ],
    });
  });

  it('wraps throttling as retryable and access errors as rejected', async () => {
    // Prepare
    lf.on(BatchGrantPermissionsCommand)
      .rejectsOnce(awsError('ThrottlingException'))
      .rejectsOnce(awsError('AccessDeniedException'));
    const entries = [
      {
        id: '0',
        principal: A,
        resource: { kind: 'database' as const, database: DB },
        permissions: ['DESCRIBE'],
      },
    ];
    // Act
    const throttled = await adapter()
      .batchGrant(entries)
      .catch((e: unknown) => e);
    const denied = await adapter()
      .batchGrant(entries)
      .catch((e: unknown) => e);
    // Assess
    expect(throttled).toBeInstanceOf(DependencyUnavailableError);
    expect(denied).toBeInstanceOf(AwsRequestRejectedError);
    expect((denied as AwsRequestRejectedError).awsError).toBe('AccessDeniedException');
  });
});
