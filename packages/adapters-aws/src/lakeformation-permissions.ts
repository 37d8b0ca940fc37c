import {
  BatchGrantPermissionsCommand,
  type BatchPermissionsFailureEntry,
  type BatchPermissionsRequestEntry,
  BatchRevokePermissionsCommand,
  CreateDataCellsFilterCommand,
  type DataCellsFilter,
  DeleteDataCellsFilterCommand,
  GetDataLakeSettingsCommand,
  type LakeFormationClient,
  ListDataCellsFilterCommand,
  ListPermissionsCommand,
  type Permission,
  type PrincipalPermissions,
  type Resource,
} from '@aws-sdk/client-lakeformation';
import {
  type BatchEntry,
  type BatchEntryFailure,
  type DataCellsFilterSpec,
  type DataLakeSettings,
  isRetryableBatchCode,
  type LakePermissions,
  type PermissionGrant,
  type PermissionResource,
} from '@lakeops/core';
import { awsFailure } from './aws-errors.ts';

export interface LakeFormationPermissionsOptions {
  /** The Data Catalog (account id); TableCatalogId of data cells filters. */
  readonly catalogId: string;
}

/**
 * {@link LakePermissions} on AWS Lake Formation (or the local endpoint, same client).
 * Shapes follow the Lake Formation API reference: ListPermissions / ListDataCellsFilter are paged
 * with NextToken; BatchGrantPermissions / BatchRevokePermissions take at most 20 entries and report
 * per-entry `Failures` inside a successful response.
 *
 * @example
 * ```ts
 * const lf = new LakeFormationPermissions(new LakeFormationClient({}), { catalogId: accountId });
 * ```
 */
export class LakeFormationPermissions implements LakePermissions {
  readonly #client: LakeFormationClient;
  readonly #catalogId: string;

  constructor(client: LakeFormationClient, options: LakeFormationPermissionsOptions) {
    this.#client = client;
    this.#catalogId = options.catalogId;
  }

  async listPermissions(): Promise<readonly PermissionGrant[]> {
    const out: PermissionGrant[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.#send('ListPermissions', () =>
        this.#client.send(
          new ListPermissionsCommand({
            CatalogId: this.#catalogId,
            ...(nextToken === undefined ? {} : { NextToken: nextToken }),
          }),
        ),
      );
      for (const p of page.PrincipalResourcePermissions ?? []) {
        const principal = p.Principal?.DataLakePrincipalIdentifier;
        if (principal === undefined || p.Resource === undefined) continue;
        out.push({
          principal,
          resource: fromResource(p.Resource),
          permissions: p.Permissions ?? [],
          grantable: p.PermissionsWithGrantOption ?? [],
        });
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return out;
  }

  async listDataCellsFilters(): Promise<readonly DataCellsFilterSpec[]> {
    const out: DataCellsFilterSpec[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.#send('ListDataCellsFilter', () =>
        this.#client.send(
          new ListDataCellsFilterCommand(nextToken === undefined ? {} : { NextToken: nextToken }),
        ),
      );
      for (const f of page.DataCellsFilters ?? []) {
        out.push({
          database: f.DatabaseName ?? '',
          table: f.TableName ?? '',
          name: f.Name ?? '',
          rowFilter:
            f.RowFilter?.AllRowsWildcard !== undefined ? 'TRUE' : (f.RowFilter?.FilterExpression ?? 'TRUE'),
          columns:
            f.ColumnNames !== undefined && f.ColumnWildcard === undefined
              ? { include: f.ColumnNames }
              : { exclude: f.ColumnWildcard?.ExcludedColumnNames ?? [] },
        });
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return out;
  }

  async getDataLakeSettings(): Promise<DataLakeSettings> {
    const out = await this.#send('GetDataLakeSettings', () =>
      this.#client.send(new GetDataLakeSettingsCommand({ CatalogId: this.#catalogId })),
    );
    const settings = out.DataLakeSettings ?? {};
    const ids = (list: readonly PrincipalPermissions[] | undefined) =>
      (list ?? []).flatMap((p) =>
        p.Principal?.DataLakePrincipalIdentifier ? [p.Principal.DataLakePrincipalIdentifier] : [],
      );
    return {
      admins: (settings.DataLakeAdmins ?? []).flatMap((p) =>
        p.DataLakePrincipalIdentifier ? [p.DataLakePrincipalIdentifier] : [],
      ),
      createTableDefaultPrincipals: ids(settings.CreateTableDefaultPermissions),
    };
  }

  async batchGrant(entries: readonly BatchEntry[]): Promise<readonly BatchEntryFailure[]> {
    const out = await this.#send('BatchGrantPermissions', () =>
      this.#client.send(
        new BatchGrantPermissionsCommand({
          CatalogId: this.#catalogId,
          Entries: entries.map((e) => this.#entry(e)),
        }),
      ),
    );
    return failures(out.Failures);
  }

  async batchRevoke(entries: readonly BatchEntry[]): Promise<readonly BatchEntryFailure[]> {
    const out = await this.#send('BatchRevokePermissions', () =>
      this.#client.send(
        new BatchRevokePermissionsCommand({
          CatalogId: this.#catalogId,
          Entries: entries.map((e) => this.#entry(e)),
        }),
      ),
    );
    return failures(out.Failures);
  }

  async createDataCellsFilter(filter: DataCellsFilterSpec): Promise<void> {
    const all = filter.rowFilter.trim().toUpperCase() === 'TRUE';
    const tableData: DataCellsFilter = {
      TableCatalogId: this.#catalogId,
      DatabaseName: filter.database,
      TableName: filter.table,
      Name: filter.name,
      RowFilter: all ? { AllRowsWildcard: {} } : { FilterExpression: filter.rowFilter },
      ...('include' in filter.columns
        ? { ColumnNames: [...filter.columns.include] }
        : {
            ColumnWildcard:
              filter.columns.exclude.length > 0 ? { ExcludedColumnNames: [...filter.columns.exclude] } : {},
          }),
    };
    await this.#send('CreateDataCellsFilter', () =>
      this.#client.send(new CreateDataCellsFilterCommand({ TableData: tableData })),
    );
  }

  async deleteDataCellsFilter(
    filter: Pick<DataCellsFilterSpec, 'database' | 'table' | 'name'>,
  ): Promise<void> {
    await this.#send('DeleteDataCellsFilter', () =>
      this.#client.send(
        new DeleteDataCellsFilterCommand({
          TableCatalogId: this.#catalogId,
          DatabaseName: filter.database,
          TableName: filter.table,
          Name: filter.name,
        }),
      ),
    );
  }

  #entry(e: BatchEntry): BatchPermissionsRequestEntry {
    return {
      Id: e.id,
      Principal: { DataLakePrincipalIdentifier: e.principal },
      Resource: toResource(e.resource, this.#catalogId),
      Permissions: e.permissions as Permission[],
    };
  }

  async #send<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw awsFailure(`Lake Formation ${what}`, error);
    }
  }
}

function failures(list: readonly BatchPermissionsFailureEntry[] | undefined): BatchEntryFailure[] {
  return (list ?? []).map((f) => {
    const code = f.Error?.ErrorCode ?? 'UnknownError';
    return {
      id: f.RequestEntry?.Id ?? '',
      code,
      message: f.Error?.ErrorMessage ?? '',
      retryable: isRetryableBatchCode(code),
    };
  });
}

/** The SDK's Resource union as the port's resource (only what lakeops manages is spelled out). */
export function fromResource(r: Resource): PermissionResource {
  if (r.Database?.Name !== undefined) return { kind: 'database', database: r.Database.Name };
  if (
    r.Table?.DatabaseName !== undefined &&
    r.Table.Name !== undefined &&
    r.Table.TableWildcard === undefined
  ) {
    return { kind: 'table', database: r.Table.DatabaseName, table: r.Table.Name };
  }
  const t = r.TableWithColumns;
  if (t?.DatabaseName !== undefined && t.Name !== undefined) {
    return {
      kind: 'tableWithColumns',
      database: t.DatabaseName,
      table: t.Name,
      columns:
        t.ColumnNames !== undefined && t.ColumnWildcard === undefined
          ? { include: t.ColumnNames }
          : { exclude: t.ColumnWildcard?.ExcludedColumnNames ?? [] },
    };
  }
  const f = r.DataCellsFilter;
  if (f?.DatabaseName !== undefined && f.TableName !== undefined && f.Name !== undefined) {
    return { kind: 'dataCellsFilter', database: f.DatabaseName, table: f.TableName, name: f.Name };
  }
  return { kind: 'other', description: JSON.stringify(r) };
}

/** The port's resource as the SDK's Resource. */
export function toResource(r: PermissionResource, catalogId: string): Resource {
  switch (r.kind) {
    case 'database':
      return { Database: { CatalogId: catalogId, Name: r.database } };
    case 'table':
      return { Table: { CatalogId: catalogId, DatabaseName: r.database, Name: r.table } };
    case 'tableWithColumns':
      return {
        TableWithColumns: {
          CatalogId: catalogId,
          DatabaseName: r.database,
          Name: r.table,
          ...('include' in r.columns
            ? { ColumnNames: [...r.columns.include] }
            : { ColumnWildcard: { ExcludedColumnNames: [...r.columns.exclude] } }),
        },
      };
    case 'dataCellsFilter':
      return {
        DataCellsFilter: {
          TableCatalogId: catalogId,
          DatabaseName: r.database,
          TableName: r.table,
          Name: r.name,
        },
      };
    case 'other':
      return JSON.parse(r.description) as Resource;
  }
}
