import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  BatchGrantPermissionsCommand,
  BatchRevokePermissionsCommand,
  CreateDataCellsFilterCommand,
  DeleteDataCellsFilterCommand,
  GetDataLakeSettingsCommand,
  GrantPermissionsCommand,
  LakeFormationClient,
  ListDataCellsFilterCommand,
  ListPermissionsCommand,
  PutDataLakeSettingsCommand,
  RevokePermissionsCommand,
} from '@aws-sdk/client-lakeformation';
import { InMemoryDeadLetter } from '@lakeops/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { DurableEventBus, EventBridgeEndpoint, LakeFormationEndpoint } from '../src/index.ts';
import { clientFor, wafEntry } from './helpers.ts';

const A = 'arn:aws:iam::123456789012:role/analyst';
const DB = 'lakeops_dev_silver';
const catalog = new Map([
  [`${DB}.legs`, ['leg_id', 'city_id', 'user_id']],
  [`${DB}.pay`, ['payment_id', 'amount']],
]);
const cleanup: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function start(file?: string) {
  const home = await mkdtemp(join(tmpdir(), 'lakeops-lf-'));
  const endpoint = LakeFormationEndpoint.open({ file: file ?? join(home, 'lakeformation.sqlite'), catalog });
  const server = await endpoint.listen(0);
  const client = new LakeFormationClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  cleanup.push(
    () => client.destroy(),
    server.close,
    () => endpoint.close(),
  );
  return { client, endpoint, file: file ?? join(home, 'lakeformation.sqlite') };
}

const table = (Name: string) => ({ Table: { CatalogId: '123456789012', DatabaseName: DB, Name } });
const principal = { DataLakePrincipalIdentifier: A };

describe('LakeFormationEndpoint through the unmodified @aws-sdk/client-lakeformation', () => {
  it('grants, lists a table SELECT as TableWithColumns with a column wildcard, pages, revokes', async () => {
    // Prepare
    const { client } = await start();
    // Act
    await client.send(
      new GrantPermissionsCommand({
        Principal: principal,
        Resource: table('legs'),
        Permissions: ['SELECT', 'DESCRIBE'],
      }),
    );
    await client.send(
      new GrantPermissionsCommand({
        Principal: principal,
        Resource: { Database: { Name: DB } },
        Permissions: ['DESCRIBE'],
      }),
    );
    const first = await client.send(new ListPermissionsCommand({ MaxResults: 2 }));
    const second = await client.send(
      new ListPermissionsCommand({ MaxResults: 2, NextToken: first.NextToken }),
    );
    await client.send(
      new RevokePermissionsCommand({
        Principal: principal,
        Resource: table('legs'),
        Permissions: ['SELECT'],
      }),
    );
    const after = await client.send(new ListPermissionsCommand({ Principal: principal }));
    // Assess
    expect([
      ...(first.PrincipalResourcePermissions ?? []),
      ...(second.PrincipalResourcePermissions ?? []),
    ]).toEqual([
      {
        Principal: principal,
        Resource: { Database: { CatalogId: '000000000000', Name: DB } },
        Permissions: ['DESCRIBE'],
        PermissionsWithGrantOption: [],
      },
      {
        Principal: principal,
        Resource: {
          TableWithColumns: { CatalogId: '000000000000', DatabaseName: DB, Name: 'legs', ColumnWildcard: {} },
        },
        Permissions: ['SELECT'],
        PermissionsWithGrantOption: [],
      },
      {
        Principal: principal,
        Resource: { Table: { CatalogId: '000000000000', DatabaseName: DB, Name: 'legs' } },
        Permissions: ['DESCRIBE'],
        PermissionsWithGrantOption: [],
      },
    ]);
    expect(first.NextToken).toBeTypeOf('string');
    expect(second.NextToken).toBeUndefined();
    expect(after.PrincipalResourcePermissions?.map((p) => p.Permissions)).toEqual([
      ['DESCRIBE'],
      ['DESCRIBE'],
    ]);
  });

  it('answers bad input with Lake Formation error codes the SDK turns into its exception classes', async () => {
    // Prepare
    const { client } = await start();
    const error = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => e as { name: string; message: string; $metadata: { httpStatusCode: number } },
      );
    // Act
    const nothing = await error(
      client.send(
        new RevokePermissionsCommand({
          Principal: principal,
          Resource: table('legs'),
          Permissions: ['SELECT'],
        }),
      ),
    );
    const unknownTable = await error(
      client.send(
        new GrantPermissionsCommand({
          Principal: principal,
          Resource: table('nope'),
          Permissions: ['SELECT'],
        }),
      ),
    );
    const badColumn = await error(
      client.send(
        new GrantPermissionsCommand({
          Principal: principal,
          Resource: { TableWithColumns: { DatabaseName: DB, Name: 'legs', ColumnNames: ['ghost'] } },
          Permissions: ['SELECT'],
        }),
      ),
    );
    const tooMany = await error(
      client.send(
        new BatchGrantPermissionsCommand({
          Entries: Array.from({ length: 21 }, (_, i) => ({
            Id: String(i),
            Principal: principal,
            Resource: table('legs'),
            Permissions: ['SELECT'],
          })),
        }),
      ),
    );
    const badFilter = await error(
      client.send(
        new CreateDataCellsFilterCommand({
          TableData: {
            TableCatalogId: '1',
            DatabaseName: DB,
            TableName: 'legs',
            Name: 'f',
            RowFilter: { FilterExpression: "lower(city_id) = 'x'" },
            ColumnWildcard: {},
          },
        }),
      ),
    );
    const missingFilter = await error(
      client.send(
        new DeleteDataCellsFilterCommand({
          TableCatalogId: '1',
          DatabaseName: DB,
          TableName: 'legs',
          Name: 'f',
        }),
      ),
    );
    // Assess
    expect([nothing?.name, nothing?.message, nothing?.$metadata.httpStatusCode]).toEqual([
      'InvalidInputException',
      'No permissions revoked. Grantee has no permissions and no grantable permissions on resource.',
      400,
    ]);
    expect(unknownTable?.name).toBe('EntityNotFoundException');
    expect(badColumn?.name).toBe('InvalidInputException');
    expect(tooMany?.name).toBe('InvalidInputException');
    expect(badFilter?.name).toBe('InvalidInputException');
    expect(badFilter?.message).toContain('function lower() is not allowed');
    expect(missingFilter?.name).toBe('EntityNotFoundException');
  });

  it('reports per-entry failures inside a successful batch response', async () => {
    // Prepare
    const { client } = await start();
    const entry = (Id: string, Name: string) => ({
      Id,
      Principal: principal,
      Resource: table(Name),
      Permissions: ['SELECT' as const],
    });
    // Act
    const granted = await client.send(
      new BatchGrantPermissionsCommand({
        Entries: [entry('a', 'legs'), entry('b', 'nope'), entry('c', 'pay')],
      }),
    );
    const revoked = await client.send(
      new BatchRevokePermissionsCommand({ Entries: [entry('a', 'legs'), entry('c', 'legs')] }),
    );
    // Assess
    expect(granted.Failures).toEqual([
      {
        RequestEntry: entry('b', 'nope'),
        Error: {
          ErrorCode: 'EntityNotFoundException',
          ErrorMessage: `Table nope not found in database ${DB}.`,
        },
      },
    ]);
    expect(
      revoked.Failures?.map((f) => [f.RequestEntry?.Id, f.Error?.ErrorCode, f.Error?.ErrorMessage]),
    ).toEqual([
      [
        'c',
        'InvalidInputException',
        'No permissions revoked. Grantee has no permissions and no grantable permissions on resource.',
      ],
    ]);
  });

  it('creates, lists and deletes data cells filters; deleting one drops the grants on it; AlreadyExists on a duplicate', async () => {
    // Prepare
    const { client } = await start();
    const TableData = {
      TableCatalogId: '1',
      DatabaseName: DB,
      TableName: 'legs',
      Name: 'lis',
      RowFilter: { FilterExpression: "city_id = 'lis'" },
      ColumnWildcard: { ExcludedColumnNames: ['user_id'] },
    };
    const onFilter = {
      DataCellsFilter: { TableCatalogId: '1', DatabaseName: DB, TableName: 'legs', Name: 'lis' },
    };
    // Act
    await client.send(new CreateDataCellsFilterCommand({ TableData }));
    const duplicate = await client.send(new CreateDataCellsFilterCommand({ TableData })).then(
      () => new Error('created twice'),
      (e: unknown) => e as Error,
    );
    await client.send(
      new GrantPermissionsCommand({ Principal: principal, Resource: onFilter, Permissions: ['SELECT'] }),
    );
    const listed = await client.send(
      new ListDataCellsFilterCommand({ Table: { DatabaseName: DB, Name: 'legs' } }),
    );
    const before = await client.send(new ListPermissionsCommand({}));
    await client.send(
      new DeleteDataCellsFilterCommand({
        TableCatalogId: '1',
        DatabaseName: DB,
        TableName: 'legs',
        Name: 'lis',
      }),
    );
    const after = await client.send(new ListPermissionsCommand({}));
    // Assess
    expect(duplicate.name).toBe('AlreadyExistsException');
    expect(listed.DataCellsFilters).toEqual([{ ...TableData, TableCatalogId: '000000000000' }]);
    expect(before.PrincipalResourcePermissions).toHaveLength(1);
    expect(after.PrincipalResourcePermissions).toEqual([]);
  });

  it('keeps grants, filters and settings across a restart (same SQLite file)', async () => {
    // Prepare
    const first = await start();
    await first.client.send(
      new GrantPermissionsCommand({
        Principal: principal,
        Resource: table('pay'),
        Permissions: ['DESCRIBE'],
      }),
    );
    await first.client.send(
      new PutDataLakeSettingsCommand({
        DataLakeSettings: {
          CreateTableDefaultPermissions: [
            { Principal: { DataLakePrincipalIdentifier: 'IAM_ALLOWED_PRINCIPALS' }, Permissions: ['ALL'] },
          ],
        },
      }),
    );
    for (const c of cleanup.splice(0).reverse()) await c();
    // Act
    const second = await start(first.file);
    const listed = await second.client.send(new ListPermissionsCommand({}));
    const settings = await second.client.send(new GetDataLakeSettingsCommand({}));
    // Assess
    expect(listed.PrincipalResourcePermissions?.map((p) => p.Resource?.Table?.Name)).toEqual(['pay']);
    expect(
      settings.DataLakeSettings?.CreateTableDefaultPermissions?.[0]?.Principal?.DataLakePrincipalIdentifier,
    ).toBe('IAM_ALLOWED_PRINCIPALS');
  });

  it('shares the port of the local EventBridge endpoint', async () => {
    // Prepare
    const home = await mkdtemp(join(tmpdir(), 'lakeops-lf-eb-'));
    const bus = await DurableEventBus.open({
      home,
      rules: [],
      invoke: async () => ({ status: 'processed', result: null }),
      deadLetter: new InMemoryDeadLetter(),
    });
    const lf = LakeFormationEndpoint.open({ file: join(home, 'lakeformation.sqlite') });
    const eb = await EventBridgeEndpoint.start({ bus, port: 0, otherService: lf });
    const events = clientFor(eb.url);
    const lfClient = new LakeFormationClient({
      endpoint: eb.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    cleanup.push(
      () => bus.close(),
      () => lf.close(),
      () => eb.close(),
      () => events.destroy(),
      () => lfClient.destroy(),
    );
    // Act
    const put = await events.send(new PutEventsCommand({ Entries: [wafEntry(0)] }));
    await lfClient.send(
      new GrantPermissionsCommand({
        Principal: principal,
        Resource: { Database: { Name: DB } },
        Permissions: ['DESCRIBE'],
      }),
    );
    const listed = await lfClient.send(new ListPermissionsCommand({}));
    // Assess
    expect(put.FailedEntryCount).toBe(0);
    expect(listed.PrincipalResourcePermissions).toHaveLength(1);
  });
});
