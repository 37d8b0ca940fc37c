import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type DataCellsFilterSpec,
  type PermissionResource,
  parseRowFilter,
  RowFilterSyntaxError,
  rowFilterColumns,
} from '@lakeops/core';
import { LakeFormationStore } from './lakeformation-store.ts';

/** Lake Formation's permission names (the `Permission` enum of the API reference). */
const PERMISSIONS = new Set([
  'ALL',
  'SELECT',
  'ALTER',
  'DROP',
  'DELETE',
  'INSERT',
  'DESCRIBE',
  'CREATE_DATABASE',
  'CREATE_TABLE',
  'DATA_LOCATION_ACCESS',
  'CREATE_LF_TAG',
  'ASSOCIATE',
  'GRANT_WITH_LF_TAG_EXPRESSION',
  'CREATE_LF_TAG_EXPRESSION',
  'CREATE_CATALOG',
  'SUPER_USER',
]);
const BATCH_MAX = 20;
const PAGE_DEFAULT = 100;
const MAX_BODY = 1024 * 1024;

/** An answer in Lake Formation's REST-JSON error shape: status, `x-amzn-ErrorType`, `{ "Message" }`. */
class LfError extends Error {
  readonly status: number;
  readonly type: string;
  constructor(type: string, message: string, status = 400) {
    super(message);
    this.type = type;
    this.status = status;
  }
}
const invalid = (message: string) => new LfError('InvalidInputException', message);
const notFound = (message: string) => new LfError('EntityNotFoundException', message);

export interface LakeFormationEndpointOptions {
  /** The SQLite file holding the state (`<LAKEOPS_HOME>/lakeformation.sqlite`). */
  readonly file: string;
  /**
   * Tables the local catalog knows, `database.table` → column names. When given, grants and filters
   * on anything else fail with EntityNotFoundException and unknown columns with InvalidInputException,
   * as Lake Formation checks them against the Glue Data Catalog.
   */
  readonly catalog?: ReadonlyMap<string, readonly string[]>;
}

type Body = Record<string, unknown>;
type Operation = (body: Body) => unknown;

/**
 * The local Lake Formation endpoint: REST-JSON as `@aws-sdk/client-lakeformation` speaks it
 * (`POST /<Operation>`, JSON body, errors with `x-amzn-ErrorType`). Operations: ListPermissions,
 * GrantPermissions, RevokePermissions, BatchGrantPermissions, BatchRevokePermissions,
 * CreateDataCellsFilter, DeleteDataCellsFilter, ListDataCellsFilter, GetDataCellsFilter,
 * GetDataLakeSettings, PutDataLakeSettings. It shares the port of the local EventBridge endpoint:
 * `EventBridgeEndpoint` hands it every request without `X-Amz-Target` ({@link handles}).
 *
 * @example
 * ```ts
 * const lf = LakeFormationEndpoint.open({ file: join(home, 'lakeformation.sqlite') });
 * const eb = await EventBridgeEndpoint.start({ bus, port: 4010, otherService: lf });
 * ```
 */
export class LakeFormationEndpoint {
  readonly #store: LakeFormationStore;
  readonly #catalog: ReadonlyMap<string, readonly string[]> | undefined;
  readonly #operations: Record<string, Operation>;
  /** ListPermissions pages through one listing until the state changes. */
  #listed: { version: number; rows: ReturnType<typeof listedGrants> } | undefined;

  private constructor(options: LakeFormationEndpointOptions) {
    this.#store = LakeFormationStore.open(options.file);
    this.#catalog = options.catalog;
    this.#operations = {
      ListPermissions: (b) => this.#listPermissions(b),
      GrantPermissions: (b) => this.#grantOne(b),
      RevokePermissions: (b) => this.#revokeOne(b),
      BatchGrantPermissions: (b) => this.#batch(b, 'grant'),
      BatchRevokePermissions: (b) => this.#batch(b, 'revoke'),
      CreateDataCellsFilter: (b) => this.#createFilter(b),
      DeleteDataCellsFilter: (b) => this.#deleteFilter(b),
      ListDataCellsFilter: (b) => this.#listFilters(b),
      GetDataCellsFilter: (b) => this.#getFilter(b),
      GetDataLakeSettings: () => ({ DataLakeSettings: this.#store.settings() }),
      PutDataLakeSettings: (b) => this.#putSettings(b),
    };
  }

  static open(options: LakeFormationEndpointOptions): LakeFormationEndpoint {
    return new LakeFormationEndpoint(options);
  }

  /** The state, for local enforcement (`query --as`) and tests. */
  get store(): LakeFormationStore {
    return this.#store;
  }

  /** Whether a request is for this endpoint: REST-JSON carries no `X-Amz-Target`; the path names a Lake Formation operation. */
  handles(req: IncomingMessage): boolean {
    const name = (req.url ?? '/').split('?')[0]?.replace(/^\//, '') ?? '';
    return (
      req.headers['x-amz-target'] === undefined &&
      req.method === 'POST' &&
      Object.hasOwn(this.#operations, name)
    );
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    res.setHeader('x-amzn-RequestId', requestId);
    try {
      const name = (req.url ?? '/').split('?')[0]?.replace(/^\//, '') ?? '';
      const operation = Object.hasOwn(this.#operations, name) ? this.#operations[name] : undefined;
      const raw = await readBody(req);
      if (operation === undefined) {
        throw new LfError(
          'UnknownOperationException',
          `Operation ${name || '/'} is not supported by the local endpoint.`,
          404,
        );
      }
      let body: unknown;
      try {
        body = raw.length === 0 ? {} : JSON.parse(raw);
      } catch {
        throw new LfError('SerializationException', 'The request body is not valid JSON.');
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new LfError('SerializationException', 'The request body must be a JSON object.');
      }
      const out = this.#store.transaction(() => operation(body as Body));
      reply(res, 200, out ?? {});
    } catch (error) {
      if (error instanceof LfError) {
        res.setHeader('x-amzn-ErrorType', error.type);
        return reply(res, error.status, { Message: error.message });
      }
      res.setHeader('x-amzn-ErrorType', 'InternalServiceException');
      reply(res, 500, { Message: error instanceof Error ? error.message : String(error) });
    }
  }

  /** A server of its own (tests, or a port without the EventBridge endpoint). */
  async listen(port = 0, host = '127.0.0.1'): Promise<{ url: string; close: () => Promise<void> }> {
    const server: Server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    return {
      url: `http://${host}:${address.port}`,
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    };
  }

  close(): void {
    this.#store.close();
  }

  #listPermissions(body: Body): unknown {
    const principal = optionalObject(body, 'Principal');
    const wantedPrincipal =
      principal === undefined ? undefined : str(principal, 'DataLakePrincipalIdentifier', 'Principal');
    const resource = optionalObject(body, 'Resource');
    const wantedKey = resource === undefined ? undefined : JSON.stringify(toListed(fromResource(resource)));
    if (this.#listed?.version !== this.#store.version) {
      const rows = this.#store
        .grants()
        .flatMap((g) => listedGrants(g.principal, g.resource, g.permissions, g.grantable));
      this.#listed = { version: this.#store.version, rows };
    }
    const rows = this.#listed.rows
      .filter(
        (g) => wantedPrincipal === undefined || g.Principal.DataLakePrincipalIdentifier === wantedPrincipal,
      )
      .filter((g) => wantedKey === undefined || JSON.stringify(g.Resource) === wantedKey);
    return page(rows, body, 'PrincipalResourcePermissions');
  }

  #grantOne(body: Body): unknown {
    const entry = this.#entry(body, 'Request');
    this.#store.grant(entry.principal, entry.resource, entry.permissions, entry.grantable);
    return {};
  }

  #revokeOne(body: Body): unknown {
    const entry = this.#entry(body, 'Request');
    if (!this.#store.revoke(entry.principal, entry.resource, entry.permissions)) {
      throw invalid(
        'No permissions revoked. Grantee has no permissions and no grantable permissions on resource.',
      );
    }
    return {};
  }

  #batch(body: Body, kind: 'grant' | 'revoke'): unknown {
    const entries = body.Entries;
    if (!Array.isArray(entries)) throw invalid('Entries is required.');
    if (entries.length > BATCH_MAX) {
      throw invalid(
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${BATCH_MAX}`,
      );
    }
    const failures: unknown[] = [];
    for (const raw of entries) {
      const requestEntry = isObject(raw) ? raw : {};
      if (typeof requestEntry.Id !== 'string' || requestEntry.Id === '')
        throw invalid('Every entry needs an Id.');
      try {
        const entry = this.#entry(requestEntry, 'Entry');
        if (kind === 'grant')
          this.#store.grant(entry.principal, entry.resource, entry.permissions, entry.grantable);
        else if (!this.#store.revoke(entry.principal, entry.resource, entry.permissions)) {
          throw invalid(
            'No permissions revoked. Grantee has no permissions and no grantable permissions on resource.',
          );
        }
      } catch (error) {
        if (!(error instanceof LfError)) throw error;
        failures.push({
          RequestEntry: requestEntry,
          Error: { ErrorCode: error.type, ErrorMessage: error.message },
        });
      }
    }
    return { Failures: failures };
  }

  #entry(body: Body, what: string) {
    const principalObject = optionalObject(body, 'Principal');
    if (principalObject === undefined) throw invalid(`${what}: Principal is required.`);
    const principal = str(principalObject, 'DataLakePrincipalIdentifier', 'Principal');
    if (
      principal !== 'IAM_ALLOWED_PRINCIPALS' &&
      !/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/.+$/.test(principal)
    ) {
      throw invalid(`Invalid principal ${principal}.`);
    }
    const resourceObject = optionalObject(body, 'Resource');
    if (resourceObject === undefined) throw invalid(`${what}: Resource is required.`);
    const resource = fromResource(resourceObject);
    this.#exists(resource);
    const permissions = permissionList(body.Permissions, 'Permissions');
    const grantable =
      body.PermissionsWithGrantOption === undefined
        ? []
        : permissionList(body.PermissionsWithGrantOption, 'PermissionsWithGrantOption');
    if (permissions.length === 0 && grantable.length === 0) throw invalid('Permissions must not be empty.');
    return { principal, resource, permissions, grantable };
  }

  #exists(r: PermissionResource): void {
    if (r.kind === 'other') return;
    if (r.kind === 'dataCellsFilter') {
      if (this.#store.filter(r.database, r.table, r.name) === undefined) {
        throw notFound(`Data cells filter ${r.name} on ${r.database}.${r.table} not found.`);
      }
      return;
    }
    if (this.#catalog === undefined) return;
    if (r.kind === 'database') {
      if (![...this.#catalog.keys()].some((k) => k.startsWith(`${r.database}.`)))
        throw notFound(`Database ${r.database} not found.`);
      return;
    }
    const columns = this.#catalog.get(`${r.database}.${r.table}`);
    if (columns === undefined) throw notFound(`Table ${r.table} not found in database ${r.database}.`);
    if (r.kind === 'tableWithColumns') {
      const named = 'include' in r.columns ? r.columns.include : r.columns.exclude;
      for (const c of named)
        if (!columns.includes(c)) throw invalid(`Column ${c} does not exist in ${r.database}.${r.table}.`);
    }
  }

  #createFilter(body: Body): unknown {
    const data = optionalObject(body, 'TableData');
    if (data === undefined) throw invalid('TableData is required.');
    const database = str(data, 'DatabaseName', 'TableData');
    const table = str(data, 'TableName', 'TableData');
    const name = str(data, 'Name', 'TableData');
    str(data, 'TableCatalogId', 'TableData');
    if (!/^[\u0020-\uD7FF\uE000-\uFFFD\t]{1,255}$/.test(name))
      throw invalid('Name must have 1 to 255 characters.');
    const rowFilter = optionalObject(data, 'RowFilter');
    let expression = 'TRUE';
    if (rowFilter !== undefined && rowFilter.AllRowsWildcard === undefined) {
      expression = str(rowFilter, 'FilterExpression', 'RowFilter');
    }
    const names = data.ColumnNames;
    const wildcard = optionalObject(data, 'ColumnWildcard');
    if ((names === undefined) === (wildcard === undefined)) {
      throw invalid('Exactly one of ColumnNames and ColumnWildcard must be given.');
    }
    const columns: DataCellsFilterSpec['columns'] =
      wildcard === undefined
        ? { include: stringList(names, 'ColumnNames') }
        : { exclude: stringList(wildcard.ExcludedColumnNames ?? [], 'ExcludedColumnNames') };
    const filter: DataCellsFilterSpec = { database, table, name, rowFilter: expression, columns };
    this.#exists({ kind: 'tableWithColumns', database, table, columns });
    if (expression.trim().toUpperCase() !== 'TRUE') {
      try {
        const node = parseRowFilter(expression);
        const known = this.#catalog?.get(`${database}.${table}`);
        for (const c of rowFilterColumns(node)) {
          if (known !== undefined && !known.includes(c))
            throw invalid(`Row filter column ${c} does not exist in ${database}.${table}.`);
        }
      } catch (error) {
        if (error instanceof RowFilterSyntaxError)
          throw invalid(`Unsupported row filter expression: ${error.message}`);
        throw error;
      }
    }
    if (this.#store.filter(database, table, name) !== undefined) {
      throw new LfError(
        'AlreadyExistsException',
        `Data cells filter ${name} already exists on ${database}.${table}.`,
      );
    }
    this.#store.putFilter(filter);
    return {};
  }

  #deleteFilter(body: Body): unknown {
    const database = str(body, 'DatabaseName', 'request');
    const table = str(body, 'TableName', 'request');
    const name = str(body, 'Name', 'request');
    if (!this.#store.deleteFilter(database, table, name))
      throw notFound(`Data cells filter ${name} on ${database}.${table} not found.`);
    return {};
  }

  #getFilter(body: Body): unknown {
    const database = str(body, 'DatabaseName', 'request');
    const table = str(body, 'TableName', 'request');
    const name = str(body, 'Name', 'request');
    const f = this.#store.filter(database, table, name);
    if (f === undefined) throw notFound(`Data cells filter ${name} on ${database}.${table} not found.`);
    return { DataCellsFilter: toFilterData(f) };
  }

  #listFilters(body: Body): unknown {
    const table = optionalObject(body, 'Table');
    const rows = this.#store
      .filters()
      .filter((f) => table === undefined || (f.database === table.DatabaseName && f.table === table.Name))
      .map(toFilterData);
    return page(rows, body, 'DataCellsFilters');
  }

  #putSettings(body: Body): unknown {
    const settings = optionalObject(body, 'DataLakeSettings');
    if (settings === undefined) throw invalid('DataLakeSettings is required.');
    this.#store.putSettings(settings);
    return {};
  }
}

function toFilterData(f: DataCellsFilterSpec) {
  return {
    TableCatalogId: '000000000000',
    DatabaseName: f.database,
    TableName: f.table,
    Name: f.name,
    RowFilter:
      f.rowFilter.trim().toUpperCase() === 'TRUE'
        ? { AllRowsWildcard: {} }
        : { FilterExpression: f.rowFilter },
    ...('include' in f.columns
      ? { ColumnNames: f.columns.include }
      : { ColumnWildcard: f.columns.exclude.length > 0 ? { ExcludedColumnNames: f.columns.exclude } : {} }),
  };
}

/**
 * How Lake Formation lists a grant: SELECT on a whole table comes back as TableWithColumns with a
 * bare ColumnWildcard, the table's other permissions on the Table resource.
 */
function listedGrants(
  principal: string,
  resource: PermissionResource,
  permissions: readonly string[],
  grantable: readonly string[],
) {
  const entry = (r: PermissionResource, perms: readonly string[]) => ({
    Principal: { DataLakePrincipalIdentifier: principal },
    Resource: toListed(r),
    Permissions: perms.filter((p) => !grantable.includes(p) || permissions.includes(p)),
    PermissionsWithGrantOption: grantable.filter((p) => perms.includes(p)),
  });
  if (resource.kind === 'table' && permissions.includes('SELECT')) {
    const rest = permissions.filter((p) => p !== 'SELECT');
    return [
      entry(
        {
          kind: 'tableWithColumns',
          database: resource.database,
          table: resource.table,
          columns: { exclude: [] },
        },
        ['SELECT'],
      ),
      ...(rest.length > 0 ? [entry(resource, rest)] : []),
    ];
  }
  return [entry(resource, permissions)];
}

function toListed(r: PermissionResource): Record<string, unknown> {
  const catalog = '000000000000';
  switch (r.kind) {
    case 'database':
      return { Database: { CatalogId: catalog, Name: r.database } };
    case 'table':
      return { Table: { CatalogId: catalog, DatabaseName: r.database, Name: r.table } };
    case 'tableWithColumns':
      return {
        TableWithColumns: {
          CatalogId: catalog,
          DatabaseName: r.database,
          Name: r.table,
          ...('include' in r.columns
            ? { ColumnNames: r.columns.include }
            : {
                ColumnWildcard:
                  r.columns.exclude.length > 0 ? { ExcludedColumnNames: r.columns.exclude } : {},
              }),
        },
      };
    case 'dataCellsFilter':
      return {
        DataCellsFilter: {
          TableCatalogId: catalog,
          DatabaseName: r.database,
          TableName: r.table,
          Name: r.name,
        },
      };
    case 'other':
      return JSON.parse(r.description) as Record<string, unknown>;
  }
}

function fromResource(r: Body): PermissionResource {
  const kinds = Object.keys(r).filter((k) => r[k] !== undefined && r[k] !== null);
  if (kinds.length !== 1) throw invalid('Resource must name exactly one resource.');
  const database = optionalObject(r, 'Database');
  if (database !== undefined) return { kind: 'database', database: str(database, 'Name', 'Database') };
  const table = optionalObject(r, 'Table');
  if (table !== undefined) {
    const db = str(table, 'DatabaseName', 'Table');
    if (table.TableWildcard !== undefined) {
      if (table.Name !== undefined) throw invalid('Table: give Name or TableWildcard, not both.');
      return {
        kind: 'other',
        description: JSON.stringify({ Table: { DatabaseName: db, TableWildcard: {} } }),
      };
    }
    return { kind: 'table', database: db, table: str(table, 'Name', 'Table') };
  }
  const twc = optionalObject(r, 'TableWithColumns');
  if (twc !== undefined) {
    const db = str(twc, 'DatabaseName', 'TableWithColumns');
    const name = str(twc, 'Name', 'TableWithColumns');
    const wildcard = optionalObject(twc, 'ColumnWildcard');
    if ((twc.ColumnNames === undefined) === (wildcard === undefined)) {
      throw invalid('TableWithColumns: exactly one of ColumnNames and ColumnWildcard must be given.');
    }
    return {
      kind: 'tableWithColumns',
      database: db,
      table: name,
      columns:
        wildcard === undefined
          ? { include: stringList(twc.ColumnNames, 'ColumnNames') }
          : { exclude: stringList(wildcard.ExcludedColumnNames ?? [], 'ExcludedColumnNames') },
    };
  }
  const f = optionalObject(r, 'DataCellsFilter');
  if (f !== undefined) {
    return {
      kind: 'dataCellsFilter',
      database: str(f, 'DatabaseName', 'DataCellsFilter'),
      table: str(f, 'TableName', 'DataCellsFilter'),
      name: str(f, 'Name', 'DataCellsFilter'),
    };
  }
  return { kind: 'other', description: JSON.stringify(r) };
}

function page<T>(rows: readonly T[], body: Body, field: string): Record<string, unknown> {
  const max = body.MaxResults === undefined ? PAGE_DEFAULT : Number(body.MaxResults);
  if (!Number.isInteger(max) || max < 1 || max > 1000)
    throw invalid('MaxResults must be between 1 and 1000.');
  let start = 0;
  if (typeof body.NextToken === 'string') {
    start = Number.parseInt(Buffer.from(body.NextToken, 'base64url').toString('utf8'), 10);
    if (!Number.isInteger(start) || start < 0) throw invalid('Invalid NextToken.');
  }
  const slice = rows.slice(start, start + max);
  const next = start + max < rows.length ? Buffer.from(String(start + max)).toString('base64url') : undefined;
  return { [field]: slice, ...(next === undefined ? {} : { NextToken: next }) };
}

function isObject(v: unknown): v is Body {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optionalObject(body: Body, key: string): Body | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw invalid(`${key} must be an object.`);
  return v;
}

function str(body: Body, key: string, where: string): string {
  const v = body[key];
  if (typeof v !== 'string' || v === '') throw invalid(`${where}: ${key} is required.`);
  return v;
}

function stringList(v: unknown, key: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw invalid(`${key} must be a list of strings.`);
  return v as string[];
}

function permissionList(v: unknown, key: string): string[] {
  const list = v === undefined ? [] : stringList(v, key);
  for (const p of list)
    if (!PERMISSIONS.has(p)) throw invalid(`${key}: ${p} is not a Lake Formation permission.`);
  return list;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.byteLength;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY)
        reject(new LfError('RequestEntityTooLargeException', 'Request body too large.', 413));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}
