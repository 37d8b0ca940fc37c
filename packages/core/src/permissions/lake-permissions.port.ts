/**
 * The Lake Formation permissions a sync reads and changes, as plain data. The AWS adapter maps it
 * onto `@aws-sdk/client-lakeformation`; the same adapter talks to the local endpoint.
 *
 * @example
 * ```ts
 * const lf: LakePermissions = new LakeFormationPermissions(new LakeFormationClient({}));
 * const grants = await lf.listPermissions(); // every page of ListPermissions
 * ```
 */
export type PermissionResource =
  | { readonly kind: 'database'; readonly database: string }
  | { readonly kind: 'table'; readonly database: string; readonly table: string }
  | {
      readonly kind: 'tableWithColumns';
      readonly database: string;
      readonly table: string;
      /** `include` = ColumnNames, `exclude` = ColumnWildcard.ExcludedColumnNames. */
      readonly columns: { readonly include: readonly string[] } | { readonly exclude: readonly string[] };
    }
  | {
      readonly kind: 'dataCellsFilter';
      readonly database: string;
      readonly table: string;
      readonly name: string;
    }
  /** Catalog, data location, LF-tag, table wildcard …: never in lakeops' managed scope. */
  | { readonly kind: 'other'; readonly description: string };

export interface PermissionGrant {
  /** DataLakePrincipalIdentifier: an IAM ARN or `IAM_ALLOWED_PRINCIPALS`. */
  readonly principal: string;
  readonly resource: PermissionResource;
  readonly permissions: readonly string[];
  readonly grantable?: readonly string[];
}

export interface DataCellsFilterSpec {
  readonly database: string;
  readonly table: string;
  readonly name: string;
  /** A PartiQL row filter; `TRUE` for all rows (AllRowsWildcard). */
  readonly rowFilter: string;
  readonly columns: { readonly include: readonly string[] } | { readonly exclude: readonly string[] };
}

export interface BatchEntry {
  readonly id: string;
  readonly principal: string;
  readonly resource: PermissionResource;
  readonly permissions: readonly string[];
}

export interface BatchEntryFailure {
  readonly id: string;
  /** Lake Formation's ErrorDetail.ErrorCode, e.g. ConcurrentModificationException. */
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
}

export interface DataLakeSettings {
  readonly admins: readonly string[];
  /** Principals in CreateTableDefaultPermissions (IAM_ALLOWED_PRINCIPALS while hybrid defaults are on). */
  readonly createTableDefaultPrincipals: readonly string[];
}

export interface LakePermissions {
  /** Every permission in the catalog (all pages of ListPermissions). */
  listPermissions(): Promise<readonly PermissionGrant[]>;
  /** Every data cells filter (all pages of ListDataCellsFilter). */
  listDataCellsFilters(): Promise<readonly DataCellsFilterSpec[]>;
  getDataLakeSettings(): Promise<DataLakeSettings>;
  /** At most 20 entries; returns the entries that failed inside a successful response. */
  batchGrant(entries: readonly BatchEntry[]): Promise<readonly BatchEntryFailure[]>;
  batchRevoke(entries: readonly BatchEntry[]): Promise<readonly BatchEntryFailure[]>;
  createDataCellsFilter(filter: DataCellsFilterSpec): Promise<void>;
  deleteDataCellsFilter(filter: Pick<DataCellsFilterSpec, 'database' | 'table' | 'name'>): Promise<void>;
}

/** Lake Formation's literal for the IAM fallback principal. */
export const IAM_ALLOWED_PRINCIPALS = 'IAM_ALLOWED_PRINCIPALS';

/** At most this many entries per BatchGrantPermissions / BatchRevokePermissions call. */
export const BATCH_LIMIT = 20;
