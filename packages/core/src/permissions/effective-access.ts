import { type QualifiedTableName, qualifiedName, type TableDefinition, zones } from '../lake/table.ts';
import { LakeopsError } from '../shared/errors.ts';
import type { DataCellsFilterSpec, PermissionGrant } from './lake-permissions.port.ts';
import type { PolicyCatalog } from './policy.ts';
import { isAllRows, parseRowFilter, type RowFilterLiteral, type RowFilterNode } from './row-filter.ts';

/** What one principal may read of one table: these columns, and the rows the filter passes. */
export interface TableAccess {
  readonly table: TableDefinition;
  /** Readable columns, in the table's order. */
  readonly columns: readonly string[];
  /** Undefined: every row. */
  readonly rowFilter: RowFilterNode | undefined;
}

/** A principal asked for a table or column Lake Formation does not grant it. */
export class AccessDeniedError extends LakeopsError {
  readonly principal: string;
  readonly table: string;
  readonly column: string | undefined;
  constructor(principal: string, table: string, column?: string, options: { cause?: unknown } = {}) {
    super(
      'AccessDenied',
      column === undefined
        ? `${principal} has no SELECT on ${table}`
        : `${principal} may not read column ${column} of ${table}`,
      { retryable: false, ...options },
    );
    this.principal = principal;
    this.table = table;
    this.column = column;
  }
}

/**
 * The tables, columns and rows a principal can SELECT, from Lake Formation's grants and data cells
 * filters: SELECT (or ALL) on a table reads every column and row; on TableWithColumns the listed
 * (or not excluded) columns; on a data cells filter its columns and the rows its filter passes.
 * Several grants on one table add up: the union of columns, and every row when any grant has all
 * rows, else the OR of the filters. (Lake Formation combines several filters cell by cell; the
 * union of columns over the OR of rows can show more than that when two filters on one table
 * grant different columns. The policy gives at most one grant per principal and table.)
 *
 * @example
 * ```ts
 * const access = effectiveAccess(arn, grants, filters, catalog);
 * access.get('silver.fact_booking_legs')?.columns; // ['change_id', …] without user_id
 * ```
 */
export function effectiveAccess(
  principal: string,
  grants: readonly PermissionGrant[],
  filters: readonly DataCellsFilterSpec[],
  catalog: PolicyCatalog,
): Map<QualifiedTableName, TableAccess> {
  const byGlue = new Map<string, TableDefinition>();
  for (const zone of zones) {
    for (const t of catalog.tables.filter((x) => x.zone === zone))
      byGlue.set(`${catalog.databaseName(zone)}.${t.name}`, t);
  }
  const found = new Map<
    QualifiedTableName,
    { table: TableDefinition; columns: Set<string>; rows: RowFilterNode[]; all: boolean }
  >();
  const add = (
    database: string,
    name: string,
    columns: readonly string[],
    rows: RowFilterNode | undefined,
  ) => {
    const table = byGlue.get(`${database}.${name}`);
    if (table === undefined) return;
    const key = qualifiedName(table);
    const entry = found.get(key) ?? { table, columns: new Set<string>(), rows: [], all: false };
    for (const c of columns) entry.columns.add(c);
    if (rows === undefined) entry.all = true;
    else entry.rows.push(rows);
    found.set(key, entry);
  };
  const pick = (table: TableDefinition | undefined, selection: DataCellsFilterSpec['columns']): string[] => {
    const all = table?.columns.map((c) => c.name) ?? [];
    return 'include' in selection
      ? all.filter((c) => selection.include.includes(c))
      : all.filter((c) => !selection.exclude.includes(c));
  };
  for (const g of grants) {
    if (g.principal !== principal || !(g.permissions.includes('SELECT') || g.permissions.includes('ALL')))
      continue;
    const r = g.resource;
    if (r.kind === 'table')
      add(r.database, r.table, pick(byGlue.get(`${r.database}.${r.table}`), { exclude: [] }), undefined);
    else if (r.kind === 'tableWithColumns')
      add(r.database, r.table, pick(byGlue.get(`${r.database}.${r.table}`), r.columns), undefined);
    else if (r.kind === 'dataCellsFilter') {
      const f = filters.find((x) => x.database === r.database && x.table === r.table && x.name === r.name);
      if (f === undefined) continue;
      const rows = isAllRows(f.rowFilter) ? undefined : parseRowFilter(f.rowFilter);
      add(r.database, r.table, pick(byGlue.get(`${r.database}.${r.table}`), f.columns), rows);
    }
  }
  const out = new Map<QualifiedTableName, TableAccess>();
  for (const [key, e] of found) {
    const rowFilter = e.all
      ? undefined
      : e.rows.reduce<RowFilterNode | undefined>(
          (acc, n) => (acc === undefined ? n : { kind: 'or', left: acc, right: n }),
          undefined,
        );
    out.set(key, {
      table: e.table,
      columns: e.table.columns.map((c) => c.name).filter((c) => e.columns.has(c)),
      rowFilter,
    });
  }
  return out;
}

/** A row filter as a SQL predicate (DuckDB and Trino agree on this subset): identifiers quoted. */
export function rowFilterSql(node: RowFilterNode): string {
  const id = (name: string) =>
    name
      .split('.')
      .map((p) => `"${p.replace(/"/g, '""')}"`)
      .join('.');
  const lit = (l: RowFilterLiteral) =>
    l.type === 'string'
      ? `'${l.value.replace(/'/g, "''")}'`
      : l.type === 'boolean'
        ? l.value
          ? 'TRUE'
          : 'FALSE'
        : l.value;
  switch (node.kind) {
    case 'true':
      return 'TRUE';
    case 'and':
    case 'or':
      return `(${rowFilterSql(node.left)} ${node.kind.toUpperCase()} ${rowFilterSql(node.right)})`;
    case 'not':
      return `(NOT ${rowFilterSql(node.operand)})`;
    case 'compare':
      return `(${id(node.column)} ${node.operator} ${lit(node.value)})`;
    case 'between':
      return `(${id(node.column)} ${node.negated ? 'NOT ' : ''}BETWEEN ${lit(node.low)} AND ${lit(node.high)})`;
    case 'in':
      return `(${id(node.column)} ${node.negated ? 'NOT ' : ''}IN (${node.values.map(lit).join(', ')}))`;
    case 'like':
      return `(${id(node.column)} ${node.negated ? 'NOT ' : ''}LIKE ${lit({ type: 'string', value: node.pattern })})`;
    case 'isNull':
      return `(${id(node.column)} IS ${node.negated ? 'NOT ' : ''}NULL)`;
  }
}
