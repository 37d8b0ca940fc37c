import Ajv2020 from 'ajv/dist/2020.js';
import type { QualifiedTableName, TableDefinition, Zone } from '../lake/table.ts';
import { PolicyInvalidError, type PolicyProblem } from './errors.ts';
import type { DataCellsFilterSpec, PermissionGrant } from './lake-permissions.port.ts';
import {
  isAllRows,
  parseRowFilter,
  RowFilterSyntaxError,
  rowFilterColumns,
  rowFilterComparisons,
} from './row-filter.ts';

/** The permissions a policy may grant; everything else stays with data owners. */
export type PolicyPermission = 'SELECT' | 'DESCRIBE';

export interface PolicyPrincipal {
  /** Short name used in the policy, the CLI (`query --as`) and error messages. */
  readonly name: string;
  /** IAM role ARN, as Lake Formation's DataLakePrincipalIdentifier. */
  readonly arn: string;
  /** Only privacy principals may read `restricted` columns. */
  readonly privacy?: boolean;
}

export type ColumnSelection =
  | { readonly include: readonly string[] }
  | { readonly exclude: readonly string[] };

/** What one stage changes in a grant: `rowFilter: null` opens the rows, `skip` drops the grant. */
export interface StageOverride {
  readonly rowFilter?: string | null;
  readonly columns?: ColumnSelection | null;
  readonly skip?: boolean;
}

export interface PolicyGrant {
  readonly principal: string;
  /** A zone (`silver`): a database grant. Exactly one of `database` and `table`. */
  readonly database?: Zone;
  /** `<zone>.<table>` from the catalog. */
  readonly table?: QualifiedTableName;
  readonly permissions: readonly PolicyPermission[];
  readonly columns?: ColumnSelection;
  /** A Lake Formation row filter (PartiQL subset), e.g. `city_id IN ('nyc','sfo')`. */
  readonly rowFilter?: string;
  /** Per SST stage differences, e.g. `{ dev: { rowFilter: null } }`. */
  readonly stages?: Readonly<Record<string, StageOverride>>;
}

export interface PermissionPolicy {
  readonly principals: readonly PolicyPrincipal[];
  readonly grants: readonly PolicyGrant[];
}

const name = { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,62}$' } as const;
const columnList = { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true } as const;
const columns = {
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['include'],
      properties: { include: { ...columnList, minItems: 1 } },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['exclude'],
      properties: { exclude: columnList },
    },
  ],
} as const;
const rowFilter = { type: 'string', minLength: 1 } as const;

/** JSON Schema (2020-12) of a {@link PermissionPolicy}; closed objects, so typos fail. */
export const permissionPolicySchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://schemas.lakeops.dev/permissions/policy.schema.json',
  title: 'lakeops Lake Formation permission policy',
  type: 'object',
  additionalProperties: false,
  required: ['principals', 'grants'],
  properties: {
    principals: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'arn'],
        properties: {
          name,
          arn: { type: 'string', pattern: '^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$' },
          privacy: { type: 'boolean' },
        },
      },
    },
    grants: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['principal', 'permissions'],
        oneOf: [{ required: ['database'] }, { required: ['table'] }],
        properties: {
          principal: name,
          database: { enum: ['bronze', 'silver', 'silver_private', 'gold', 'nrt'] },
          table: { type: 'string', pattern: '^(bronze|silver|silver_private|gold|nrt)\\.[a-z][a-z0-9_]*$' },
          permissions: {
            type: 'array',
            minItems: 1,
            uniqueItems: true,
            items: { enum: ['SELECT', 'DESCRIBE'] },
          },
          columns,
          rowFilter,
          stages: {
            type: 'object',
            propertyNames: { pattern: '^[a-z0-9][a-z0-9-]*$' },
            additionalProperties: {
              type: 'object',
              additionalProperties: false,
              properties: {
                rowFilter: { oneOf: [rowFilter, { type: 'null' }] },
                columns: { oneOf: [columns, { type: 'null' }] },
                skip: { type: 'boolean' },
              },
            },
          },
        },
      },
    },
  },
} as const;

const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
const checkShape = ajv.compile(permissionPolicySchema);

/** The catalog as the policy checks it, and how a zone is named in Glue for one stage. */
export interface PolicyCatalog {
  readonly tables: readonly TableDefinition[];
  /** e.g. `(zone) => glueDatabaseName(glueDatabasePrefix(stage), zone)` */
  readonly databaseName: (zone: Zone) => string;
}

/** What the policy asks of Lake Formation in one stage: grants and the data cells filters they use. */
export interface DesiredPermissions {
  readonly grants: readonly PermissionGrant[];
  readonly filters: readonly DataCellsFilterSpec[];
  /** Managed scope: principals (ARNs) and tables (`database.table`) the policy declares. */
  readonly principals: readonly string[];
  readonly tables: readonly { readonly database: string; readonly table: string }[];
  readonly databases: readonly string[];
}

/** Prefix of every data cells filter lakeops creates; filters without it are never touched. */
export const FILTER_PREFIX = 'lakeops__';

/**
 * Checks a policy's shape (JSON Schema), then against the catalog and the privacy rules, and
 * resolves it for one stage into the grants and filters Lake Formation should hold.
 * Throws {@link PolicyInvalidError} listing every problem, each naming file, principal and column.
 *
 * @example
 * ```ts
 * const desired = resolvePolicy(policy, 'permissions/policy.ts', 'prod', {
 *   tables, databaseName: (zone) => glueDatabaseName(glueDatabasePrefix('prod'), zone),
 * });
 * ```
 */
export function resolvePolicy(
  data: unknown,
  file: string,
  stage: string,
  catalog: PolicyCatalog,
): DesiredPermissions {
  if (!checkShape(data)) {
    const problems: PolicyProblem[] = (checkShape.errors ?? []).map((e) => ({
      file,
      message: `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`,
    }));
    throw new PolicyInvalidError(problems);
  }
  const policy = data as unknown as PermissionPolicy;
  const problems: PolicyProblem[] = [];
  const byName = new Map<string, PolicyPrincipal>();
  const arns = new Set<string>();
  for (const p of policy.principals) {
    if (byName.has(p.name)) problems.push({ file, principal: p.name, message: 'principal declared twice' });
    if (arns.has(p.arn)) problems.push({ file, principal: p.name, message: `ARN ${p.arn} declared twice` });
    byName.set(p.name, p);
    arns.add(p.arn);
  }
  const tables = new Map(catalog.tables.map((t) => [`${t.zone}.${t.name}`, t]));
  const grants: PermissionGrant[] = [];
  const filters: DataCellsFilterSpec[] = [];
  const managedTables = new Map<string, { database: string; table: string }>();
  const managedDatabases = new Set<string>();
  const seen = new Set<string>();

  for (const grant of policy.grants) {
    const principal = byName.get(grant.principal);
    const at = { file, principal: grant.principal };
    if (principal === undefined) {
      problems.push({ ...at, message: 'principal is not declared in principals' });
      continue;
    }
    const override = grant.stages?.[stage];
    if (grant.database !== undefined) {
      const database = catalog.databaseName(grant.database);
      managedDatabases.add(database);
      if (!override?.skip) {
        grants.push({
          principal: principal.arn,
          resource: { kind: 'database', database },
          permissions: [...grant.permissions],
        });
      }
      continue;
    }
    const qualified = grant.table ?? '';
    const table = tables.get(qualified);
    if (table === undefined) {
      problems.push({ ...at, table: qualified, message: 'table is not in the catalog' });
      continue;
    }
    const key = `${grant.principal}|${qualified}`;
    if (seen.has(key))
      problems.push({ ...at, table: qualified, message: 'table granted twice to this principal' });
    seen.add(key);
    const database = catalog.databaseName(table.zone);
    managedTables.set(`${database}.${table.name}`, { database, table: table.name });
    managedDatabases.add(database);

    const allColumns = table.columns.map((c) => c.name);
    const selections: (ColumnSelection | undefined)[] = [grant.columns];
    if (override?.columns !== undefined) selections.push(override.columns ?? undefined);
    for (const selection of selections) {
      for (const column of selection === undefined
        ? []
        : 'include' in selection
          ? selection.include
          : selection.exclude) {
        if (!allColumns.includes(column)) {
          problems.push({ ...at, table: qualified, column, message: 'column is not in the table' });
        }
      }
    }
    const filterTexts = [grant.rowFilter, override?.rowFilter ?? undefined];
    for (const text of filterTexts) {
      if (text === undefined) continue;
      problems.push(...checkRowFilter(text, table, { ...at, table: qualified }));
    }
    if (override?.skip) continue;

    const selection = override?.columns === undefined ? grant.columns : (override.columns ?? undefined);
    const filterText =
      override?.rowFilter === undefined ? grant.rowFilter : (override.rowFilter ?? undefined);
    const visible = visibleColumns(allColumns, selection);
    if (grant.permissions.includes('SELECT')) {
      for (const column of visible) {
        const definition = table.columns.find((c) => c.name === column);
        if (definition?.sensitivity !== 'restricted') continue;
        if (table.zone === 'gold') {
          problems.push({
            ...at,
            table: qualified,
            column,
            message: 'a Gold table may expose no restricted column',
          });
        } else if (!principal.privacy) {
          problems.push({
            ...at,
            table: qualified,
            column,
            message: 'restricted column granted to a principal without privacy: true',
          });
        }
      }
    }

    const columnsSpec = canonicalColumns(selection, allColumns);
    if (grant.permissions.includes('DESCRIBE')) {
      grants.push({
        principal: principal.arn,
        resource: { kind: 'table', database, table: table.name },
        permissions: ['DESCRIBE'],
      });
    }
    if (!grant.permissions.includes('SELECT')) continue;
    if (filterText !== undefined && !isAllRows(filterText)) {
      const filterName = `${FILTER_PREFIX}${principal.name.replace(/-/g, '_')}__${table.name}`;
      filters.push({
        database,
        table: table.name,
        name: filterName,
        rowFilter: filterText.trim(),
        columns: columnsSpec,
      });
      grants.push({
        principal: principal.arn,
        resource: { kind: 'dataCellsFilter', database, table: table.name, name: filterName },
        permissions: ['SELECT'],
      });
    } else if ('exclude' in columnsSpec && columnsSpec.exclude.length === 0) {
      grants.push({
        principal: principal.arn,
        resource: { kind: 'table', database, table: table.name },
        permissions: ['SELECT'],
      });
    } else {
      grants.push({
        principal: principal.arn,
        resource: { kind: 'tableWithColumns', database, table: table.name, columns: columnsSpec },
        permissions: ['SELECT'],
      });
    }
  }
  if (problems.length > 0) throw new PolicyInvalidError(problems);
  return {
    grants,
    filters,
    principals: [...arns].sort(),
    tables: [...managedTables.values()],
    databases: [...managedDatabases].sort(),
  };
}

function visibleColumns(all: readonly string[], selection: ColumnSelection | undefined): string[] {
  if (selection === undefined) return [...all];
  if ('include' in selection) return all.filter((c) => selection.include.includes(c));
  return all.filter((c) => !selection.exclude.includes(c));
}

function canonicalColumns(selection: ColumnSelection | undefined, all: readonly string[]): ColumnSelection {
  if (selection === undefined) return { exclude: [] };
  if ('include' in selection) return { include: all.filter((c) => selection.include.includes(c)) };
  return { exclude: all.filter((c) => selection.exclude.includes(c)) };
}

const NUMERIC = /^(bigint|integer|double|decimal\()/;

function checkRowFilter(
  text: string,
  table: TableDefinition,
  at: { file: string; principal: string; table: string },
): PolicyProblem[] {
  try {
    const node = parseRowFilter(text);
    const problems: PolicyProblem[] = [];
    for (const column of rowFilterColumns(node)) {
      const definition = table.columns.find((c) => c.name === column);
      if (definition === undefined && !table.partitionKeys.includes(column)) {
        problems.push({ ...at, column, message: 'row filter reads a column that is not in the table' });
      } else if (
        definition !== undefined &&
        (definition.type === 'date' || definition.type === 'timestamp')
      ) {
        problems.push({
          ...at,
          column,
          message: `row filters cannot read ${definition.type} columns in Lake Formation`,
        });
      }
    }
    for (const { column, literal } of rowFilterComparisons(node)) {
      const type = table.columns.find((c) => c.name === column)?.type ?? 'string';
      const expected = type === 'boolean' ? 'boolean' : NUMERIC.test(type) ? 'number' : 'string';
      if (literal.type !== expected) {
        problems.push({
          ...at,
          column,
          message: `row filter compares a ${type} column with a ${literal.type}`,
        });
      }
    }
    return problems;
  } catch (error) {
    if (!(error instanceof RowFilterSyntaxError)) throw error;
    const column = error.column;
    return [{ ...at, ...(column === undefined ? {} : { column }), message: `row filter: ${error.message}` }];
  }
}
