import {
  type BatchEntry,
  type BatchEntryFailure,
  canonicalResource,
  type DataCellsFilterSpec,
  type DataLakeSettings,
  type LakePermissions,
  type PermissionGrant,
  type PermissionResource,
  resourceKey,
} from '@lakeops/core';

/**
 * Lake Formation permissions in memory, shaped as Lake Formation answers: a table-level SELECT is
 * listed as TableWithColumns with a bare ColumnWildcard (DESCRIBE stays on the Table), revoking
 * what is not held fails the entry with "No permissions revoked", deleting a data cells filter
 * drops the grants on it. `failEntries` makes the next batch calls fail chosen entries.
 */
export class InMemoryLakePermissions implements LakePermissions {
  readonly held = new Map<
    string,
    { principal: string; resource: PermissionResource; permissions: Set<string> }
  >();
  readonly filters = new Map<string, DataCellsFilterSpec>();
  settings: DataLakeSettings = { admins: [], createTableDefaultPrincipals: [] };
  /** Calls received, in order, with the entry ids of batch calls. */
  readonly calls: { op: string; ids: string[] }[] = [];
  /** Next batch calls: entry id → error code; one map is consumed per call. */
  readonly failEntries: Map<string, string>[] = [];

  /** Seeds grants as if made out of band. */
  seed(grants: readonly PermissionGrant[]): void {
    for (const g of grants) this.add(g.principal, g.resource, g.permissions);
  }

  private add(principal: string, resource: PermissionResource, permissions: readonly string[]): void {
    const r = canonicalResource(resource);
    const key = `${principal}|${resourceKey(r)}`;
    const h = this.held.get(key) ?? { principal, resource: r, permissions: new Set<string>() };
    for (const p of permissions) h.permissions.add(p);
    this.held.set(key, h);
  }

  async listPermissions(): Promise<readonly PermissionGrant[]> {
    this.calls.push({ op: 'ListPermissions', ids: [] });
    const out: PermissionGrant[] = [];
    for (const h of this.held.values()) {
      const r = h.resource;
      if (r.kind === 'table' && h.permissions.has('SELECT')) {
        out.push({
          principal: h.principal,
          resource: {
            kind: 'tableWithColumns',
            database: r.database,
            table: r.table,
            columns: { exclude: [] },
          },
          permissions: ['SELECT'],
        });
        const rest = [...h.permissions].filter((p) => p !== 'SELECT');
        if (rest.length > 0) out.push({ principal: h.principal, resource: r, permissions: rest });
      } else {
        out.push({ principal: h.principal, resource: r, permissions: [...h.permissions] });
      }
    }
    return out;
  }

  async listDataCellsFilters(): Promise<readonly DataCellsFilterSpec[]> {
    this.calls.push({ op: 'ListDataCellsFilter', ids: [] });
    return [...this.filters.values()];
  }

  async getDataLakeSettings(): Promise<DataLakeSettings> {
    this.calls.push({ op: 'GetDataLakeSettings', ids: [] });
    return this.settings;
  }

  async batchGrant(entries: readonly BatchEntry[]): Promise<readonly BatchEntryFailure[]> {
    return this.batch('BatchGrantPermissions', entries, (e) => {
      this.add(e.principal, e.resource, e.permissions);
      return undefined;
    });
  }

  async batchRevoke(entries: readonly BatchEntry[]): Promise<readonly BatchEntryFailure[]> {
    return this.batch('BatchRevokePermissions', entries, (e) => {
      const key = `${e.principal}|${resourceKey(e.resource)}`;
      const h = this.held.get(key);
      const revoke = e.permissions.includes('ALL') ? [...(h?.permissions ?? [])] : e.permissions;
      if (h === undefined || !revoke.some((p) => h.permissions.has(p))) {
        return 'No permissions revoked. Grantee has no permissions and no grantable permissions on resource.';
      }
      for (const p of revoke) h.permissions.delete(p);
      if (h.permissions.size === 0) this.held.delete(key);
      return undefined;
    });
  }

  private batch(
    op: string,
    entries: readonly BatchEntry[],
    apply: (e: BatchEntry) => string | undefined,
  ): BatchEntryFailure[] {
    if (entries.length > 20) throw new Error(`${op}: ${entries.length} entries, at most 20`);
    this.calls.push({ op, ids: entries.map((e) => e.id) });
    const failing = this.failEntries.shift() ?? new Map<string, string>();
    const failures: BatchEntryFailure[] = [];
    for (const e of entries) {
      const code = failing.get(e.id);
      if (code !== undefined) {
        failures.push({ id: e.id, code, message: `${code} (injected)`, retryable: false });
        continue;
      }
      const message = apply(e);
      if (message !== undefined)
        failures.push({ id: e.id, code: 'InvalidInputException', message, retryable: false });
    }
    return failures;
  }

  async createDataCellsFilter(filter: DataCellsFilterSpec): Promise<void> {
    this.calls.push({ op: 'CreateDataCellsFilter', ids: [] });
    const key = `${filter.database}.${filter.table}.${filter.name}`;
    if (this.filters.has(key)) throw new Error(`AlreadyExistsException: ${key}`);
    this.filters.set(key, filter);
  }

  async deleteDataCellsFilter(
    filter: Pick<DataCellsFilterSpec, 'database' | 'table' | 'name'>,
  ): Promise<void> {
    this.calls.push({ op: 'DeleteDataCellsFilter', ids: [] });
    const key = `${filter.database}.${filter.table}.${filter.name}`;
    if (!this.filters.delete(key)) throw new Error(`EntityNotFoundException: ${key}`);
    for (const [k, h] of this.held) if (resourceKey(h.resource) === `filter:${key}`) this.held.delete(k);
  }
}
