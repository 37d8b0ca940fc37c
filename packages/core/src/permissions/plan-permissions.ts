import { createHash } from 'node:crypto';
import type { DataCellsFilterSpec, PermissionGrant, PermissionResource } from './lake-permissions.port.ts';
import { type DesiredPermissions, FILTER_PREFIX } from './policy.ts';
import { isAllRows } from './row-filter.ts';

/** What `ALL` stands for on each resource kind (Lake Formation's permission list per resource). */
const ALL_EXPANSION: Record<string, readonly string[]> = {
  database: ['ALTER', 'CREATE_TABLE', 'DESCRIBE', 'DROP'],
  table: ['ALTER', 'DELETE', 'DESCRIBE', 'DROP', 'INSERT', 'SELECT'],
  tableWithColumns: ['SELECT'],
  dataCellsFilter: ['DESCRIBE', 'DROP', 'SELECT'],
};

/** One principal's permissions on one resource, in the plan. */
export interface PlannedChange {
  readonly principal: string;
  readonly resource: PermissionResource;
  readonly permissions: readonly string[];
}

export interface PermissionsPlan {
  readonly grants: readonly PlannedChange[];
  readonly revokes: readonly PlannedChange[];
  readonly filtersToCreate: readonly DataCellsFilterSpec[];
  readonly filtersToDelete: readonly DataCellsFilterSpec[];
  /** Names of filters whose expression or columns change (deleted, then created again). */
  readonly filtersChanged: readonly string[];
  /** (principal, resource, permission) triples already as the policy says. */
  readonly unchanged: number;
  /** Triples currently held inside the managed scope. */
  readonly currentManaged: number;
  /** Triples that go away with a filter deleted for good (Lake Formation drops grants on it). */
  readonly revokedWithFilters: number;
}

export function planIsEmpty(plan: PermissionsPlan): boolean {
  return (
    plan.grants.length === 0 &&
    plan.revokes.length === 0 &&
    plan.filtersToCreate.length === 0 &&
    plan.filtersToDelete.length === 0
  );
}

/** Permission triples the plan takes away: revokes, and grants on filters deleted for good. */
export function revokedCount(plan: PermissionsPlan): number {
  return countPermissions(plan.revokes) + plan.revokedWithFilters;
}

/** Permission triples in a list of changes. */
export function countPermissions(changes: readonly PlannedChange[]): number {
  return changes.reduce((n, c) => n + c.permissions.length, 0);
}

/**
 * The same resource in one spelling: a TableWithColumns with a bare ColumnWildcard is the table
 * (Lake Formation lists a table-level SELECT that way), column lists are sorted.
 */
export function canonicalResource(resource: PermissionResource): PermissionResource {
  if (resource.kind !== 'tableWithColumns') return resource;
  const { columns } = resource;
  if ('exclude' in columns && columns.exclude.length === 0) {
    return { kind: 'table', database: resource.database, table: resource.table };
  }
  return {
    ...resource,
    columns:
      'include' in columns
        ? { include: [...columns.include].sort() }
        : { exclude: [...columns.exclude].sort() },
  };
}

export function resourceKey(resource: PermissionResource): string {
  const r = canonicalResource(resource);
  switch (r.kind) {
    case 'database':
      return `db:${r.database}`;
    case 'table':
      return `table:${r.database}.${r.table}`;
    case 'tableWithColumns':
      return 'include' in r.columns
        ? `columns:${r.database}.${r.table}:+${r.columns.include.join(',')}`
        : `columns:${r.database}.${r.table}:-${r.columns.exclude.join(',')}`;
    case 'dataCellsFilter':
      return `filter:${r.database}.${r.table}.${r.name}`;
    case 'other':
      return `other:${r.description}`;
  }
}

function expand(resource: PermissionResource, permissions: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const p of permissions) {
    if (p === 'ALL') for (const q of ALL_EXPANSION[resource.kind] ?? []) out.add(q);
    else out.add(p);
  }
  return out;
}

interface Holding {
  principal: string;
  resource: PermissionResource;
  permissions: Set<string>;
  /** The grant was stored as `ALL`: revoking part of it means revoking `ALL`. */
  literalAll: boolean;
}

function collect(grants: readonly PermissionGrant[]): Map<string, Holding> {
  const out = new Map<string, Holding>();
  for (const g of grants) {
    const resource = canonicalResource(g.resource);
    const key = `${g.principal}|${resourceKey(resource)}`;
    const holding = out.get(key) ?? {
      principal: g.principal,
      resource,
      permissions: new Set(),
      literalAll: false,
    };
    for (const p of expand(resource, g.permissions)) holding.permissions.add(p);
    if (g.permissions.includes('ALL')) holding.literalAll = true;
    out.set(key, holding);
  }
  return out;
}

function tableOf(resource: PermissionResource): string | undefined {
  return resource.kind === 'table' ||
    resource.kind === 'tableWithColumns' ||
    resource.kind === 'dataCellsFilter'
    ? `${resource.database}.${resource.table}`
    : undefined;
}

function canonicalFilter(f: DataCellsFilterSpec): string {
  const columns =
    'include' in f.columns
      ? `+${[...f.columns.include].sort().join(',')}`
      : `-${[...f.columns.exclude].sort().join(',')}`;
  const rows = isAllRows(f.rowFilter) ? 'TRUE' : f.rowFilter.trim();
  return `${rows}|${columns}`;
}

/**
 * Diffs what Lake Formation holds against what the policy wants, inside the managed scope only:
 * the policy's principals on its databases, tables and `lakeops__` data cells filters. Anything
 * else (other principals, other tables, catalog or location grants) is never in the plan.
 */
export function planPermissions(
  desired: DesiredPermissions,
  current: { readonly grants: readonly PermissionGrant[]; readonly filters: readonly DataCellsFilterSpec[] },
): PermissionsPlan {
  const principals = new Set(desired.principals);
  const tables = new Set(desired.tables.map((t) => `${t.database}.${t.table}`));
  const databases = new Set(desired.databases);
  const inScope = (g: PermissionGrant): boolean => {
    if (!principals.has(g.principal)) return false;
    const r = g.resource;
    if (r.kind === 'database') return databases.has(r.database);
    const table = tableOf(r);
    return table !== undefined && tables.has(table);
  };

  // Filters: ours are the `lakeops__` ones on managed tables.
  const wantedFilters = new Map(desired.filters.map((f) => [`${f.database}.${f.table}.${f.name}`, f]));
  const currentFilters = new Map(
    current.filters
      .filter((f) => f.name.startsWith(FILTER_PREFIX) && tables.has(`${f.database}.${f.table}`))
      .map((f) => [`${f.database}.${f.table}.${f.name}`, f]),
  );
  const filtersToCreate: DataCellsFilterSpec[] = [];
  const filtersToDelete: DataCellsFilterSpec[] = [];
  const filtersChanged: string[] = [];
  const recreated = new Set<string>();
  for (const [key, wanted] of wantedFilters) {
    const have = currentFilters.get(key);
    if (have === undefined) filtersToCreate.push(wanted);
    else if (canonicalFilter(have) !== canonicalFilter(wanted)) {
      filtersChanged.push(wanted.name);
      filtersToDelete.push(have);
      filtersToCreate.push(wanted);
      recreated.add(key);
    }
  }
  for (const [key, have] of currentFilters) if (!wantedFilters.has(key)) filtersToDelete.push(have);

  // Deleting a filter drops the grants on it: those must be granted again, never revoked.
  const dropped = new Set(filtersToDelete.map((f) => `filter:${f.database}.${f.table}.${f.name}`));
  const have = collect(current.grants.filter((g) => inScope(g) && !dropped.has(resourceKey(g.resource))));
  const want = collect(desired.grants);
  const gone = new Set(
    filtersToDelete
      .filter((f) => !recreated.has(`${f.database}.${f.table}.${f.name}`))
      .map((f) => `filter:${f.database}.${f.table}.${f.name}`),
  );
  let revokedWithFilters = 0;
  for (const h of collect(
    current.grants.filter((g) => inScope(g) && gone.has(resourceKey(g.resource))),
  ).values()) {
    revokedWithFilters += h.permissions.size;
  }
  let currentManaged = 0;
  for (const h of collect(current.grants.filter(inScope)).values()) currentManaged += h.permissions.size;

  const grants: PlannedChange[] = [];
  const revokes: PlannedChange[] = [];
  let unchanged = 0;
  for (const [key, w] of want) {
    const h = have.get(key);
    const missing = [...w.permissions].filter((p) => !h?.permissions.has(p)).sort();
    unchanged += w.permissions.size - missing.length;
    if (h?.literalAll && [...h.permissions].some((p) => !w.permissions.has(p))) {
      revokes.push({ principal: h.principal, resource: h.resource, permissions: ['ALL'] });
      grants.push({ principal: w.principal, resource: w.resource, permissions: [...w.permissions].sort() });
      continue;
    }
    if (missing.length > 0)
      grants.push({ principal: w.principal, resource: w.resource, permissions: missing });
    const extra = [...(h?.permissions ?? [])].filter((p) => !w.permissions.has(p)).sort();
    if (h !== undefined && extra.length > 0)
      revokes.push({ principal: h.principal, resource: h.resource, permissions: extra });
  }
  for (const [key, h] of have) {
    if (want.has(key)) continue;
    revokes.push({
      principal: h.principal,
      resource: h.resource,
      permissions: h.literalAll ? ['ALL'] : [...h.permissions].sort(),
    });
  }
  const order = (a: PlannedChange, b: PlannedChange) =>
    `${a.principal}|${resourceKey(a.resource)}`.localeCompare(`${b.principal}|${resourceKey(b.resource)}`);
  grants.sort(order);
  revokes.sort(order);
  return {
    grants,
    revokes,
    filtersToCreate,
    filtersToDelete,
    filtersChanged,
    unchanged,
    currentManaged,
    revokedWithFilters,
  };
}

/** SHA-256 of the plan's changes in their canonical order (the `plan_sha256` of the event). */
export function planSha256(plan: PermissionsPlan): string {
  const text = JSON.stringify({
    grants: plan.grants.map((c) => [c.principal, resourceKey(c.resource), c.permissions]),
    revokes: plan.revokes.map((c) => [c.principal, resourceKey(c.resource), c.permissions]),
    create: plan.filtersToCreate.map((f) => [f.name, canonicalFilter(f)]),
    delete: plan.filtersToDelete.map((f) => f.name),
  });
  return createHash('sha256').update(text).digest('hex');
}

/** The plan as text: `+` grant, `-` revoke, `~` filter change. */
export function formatPlan(plan: PermissionsPlan, names: ReadonlyMap<string, string> = new Map()): string {
  const who = (arn: string) => names.get(arn) ?? arn;
  const lines: string[] = [];
  const changed = new Set(plan.filtersChanged);
  for (const f of plan.filtersToCreate) {
    lines.push(
      `${changed.has(f.name) ? '~' : '+'} filter ${f.database}.${f.table}.${f.name}: ${f.rowFilter}`,
    );
  }
  for (const f of plan.filtersToDelete)
    if (!changed.has(f.name)) lines.push(`- filter ${f.database}.${f.table}.${f.name}`);
  for (const c of plan.grants)
    lines.push(`+ ${who(c.principal)} ${c.permissions.join(',')} on ${resourceKey(c.resource)}`);
  for (const c of plan.revokes)
    lines.push(`- ${who(c.principal)} ${c.permissions.join(',')} on ${resourceKey(c.resource)}`);
  lines.push(
    `${countPermissions(plan.grants)} to grant, ${revokedCount(plan)} to revoke, ${plan.unchanged} unchanged`,
  );
  return lines.join('\n');
}
