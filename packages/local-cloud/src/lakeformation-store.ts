import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import {
  canonicalResource,
  type DataCellsFilterSpec,
  type PermissionResource,
  resourceKey,
} from '@lakeops/core';

/** What `ALL` stands for per resource kind, when part of it is revoked. */
const ALL_OF: Record<string, readonly string[]> = {
  database: ['ALTER', 'CREATE_TABLE', 'DESCRIBE', 'DROP'],
  table: ['ALTER', 'DELETE', 'DESCRIBE', 'DROP', 'INSERT', 'SELECT'],
  tableWithColumns: ['SELECT'],
  dataCellsFilter: ['DESCRIBE', 'DROP', 'SELECT'],
};

export interface StoredGrant {
  readonly principal: string;
  readonly resource: PermissionResource;
  readonly permissions: readonly string[];
  readonly grantable: readonly string[];
}

export interface StoredSettings {
  readonly DataLakeAdmins?: readonly { DataLakePrincipalIdentifier?: string }[];
  readonly CreateDatabaseDefaultPermissions?: readonly unknown[];
  readonly CreateTableDefaultPermissions?: readonly unknown[];
  readonly [key: string]: unknown;
}

/**
 * The local Lake Formation state in one SQLite file (`node:sqlite`): permissions per principal,
 * resource and permission, data cells filters, data lake settings. Survives a restart of
 * `lakeops start`; every write is one transaction.
 *
 * @example
 * ```ts
 * const store = LakeFormationStore.open(join(home, 'lakeformation.sqlite'));
 * store.grant(arn, { kind: 'database', database: 'lakeops_dev_gold' }, ['DESCRIBE'], []);
 * ```
 */
export class LakeFormationStore {
  readonly #db: DatabaseSync;
  #version = 0;

  /** Bumped by every write, so readers can cache what they derived from the state. */
  get version(): number {
    return this.#version;
  }

  private constructor(db: DatabaseSync) {
    this.#db = db;
  }

  static open(file: string): LakeFormationStore {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const db = new DatabaseSync(file, { timeout: 10_000 });
    db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = FULL;
      CREATE TABLE IF NOT EXISTS lf_permissions (
        principal TEXT NOT NULL, resource_key TEXT NOT NULL, resource TEXT NOT NULL,
        permission TEXT NOT NULL, grantable INTEGER NOT NULL,
        PRIMARY KEY (principal, resource_key, permission));
      CREATE TABLE IF NOT EXISTS lf_filters (
        database_name TEXT NOT NULL, table_name TEXT NOT NULL, name TEXT NOT NULL, body TEXT NOT NULL,
        PRIMARY KEY (database_name, table_name, name));
      CREATE TABLE IF NOT EXISTS lf_settings (id INTEGER PRIMARY KEY CHECK (id = 1), body TEXT NOT NULL);
    `);
    return new LakeFormationStore(db);
  }

  close(): void {
    this.#db.close();
  }

  /** Runs `work` in one transaction. */
  transaction<T>(work: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const out = work();
      this.#db.exec('COMMIT');
      return out;
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  grant(
    principal: string,
    resource: PermissionResource,
    permissions: readonly string[],
    grantable: readonly string[],
  ): void {
    this.#version++;
    const r = canonicalResource(resource);
    const key = resourceKey(r);
    const insert = this.#db.prepare(
      `INSERT INTO lf_permissions (principal, resource_key, resource, permission, grantable) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (principal, resource_key, permission) DO UPDATE SET grantable = max(grantable, excluded.grantable)`,
    );
    for (const p of new Set([...permissions, ...grantable])) {
      insert.run(principal, key, JSON.stringify(r), p, grantable.includes(p) ? 1 : 0);
    }
  }

  /** Revokes; returns false when the principal held none of these permissions on the resource. */
  revoke(principal: string, resource: PermissionResource, permissions: readonly string[]): boolean {
    this.#version++;
    const r = canonicalResource(resource);
    const key = resourceKey(r);
    const held = this.#db
      .prepare('SELECT permission, grantable FROM lf_permissions WHERE principal = ? AND resource_key = ?')
      .all(principal, key) as { permission: string; grantable: number }[];
    const names = new Set(held.map((h) => h.permission));
    if (
      names.has('ALL') &&
      !permissions.includes('ALL') &&
      permissions.some((p) => ALL_OF[r.kind]?.includes(p))
    ) {
      // Part of ALL: keep the rest as separate permissions.
      const grantable = held.find((h) => h.permission === 'ALL')?.grantable === 1;
      this.#db
        .prepare('DELETE FROM lf_permissions WHERE principal = ? AND resource_key = ? AND permission = ?')
        .run(principal, key, 'ALL');
      const rest = (ALL_OF[r.kind] ?? []).filter((p) => !names.has(p));
      this.grant(principal, r, rest, grantable ? rest : []);
      names.delete('ALL');
      for (const p of rest) names.add(p);
    }
    const hit = permissions.filter((p) => names.has(p));
    if (hit.length === 0) return false;
    const remove = this.#db.prepare(
      'DELETE FROM lf_permissions WHERE principal = ? AND resource_key = ? AND permission = ?',
    );
    for (const p of hit) remove.run(principal, key, p);
    return true;
  }

  grants(): StoredGrant[] {
    const rows = this.#db
      .prepare(
        'SELECT principal, resource_key, resource, permission, grantable FROM lf_permissions ORDER BY principal, resource_key, permission',
      )
      .all() as {
      principal: string;
      resource_key: string;
      resource: string;
      permission: string;
      grantable: number;
    }[];
    const out = new Map<
      string,
      { principal: string; resource: PermissionResource; permissions: string[]; grantable: string[] }
    >();
    for (const row of rows) {
      const k = `${row.principal}|${row.resource_key}`;
      const g = out.get(k) ?? {
        principal: row.principal,
        resource: JSON.parse(row.resource) as PermissionResource,
        permissions: [],
        grantable: [],
      };
      g.permissions.push(row.permission);
      if (row.grantable === 1) g.grantable.push(row.permission);
      out.set(k, g);
    }
    return [...out.values()];
  }

  filter(database: string, table: string, name: string): DataCellsFilterSpec | undefined {
    const row = this.#db
      .prepare('SELECT body FROM lf_filters WHERE database_name = ? AND table_name = ? AND name = ?')
      .get(database, table, name) as { body: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.body) as DataCellsFilterSpec);
  }

  filters(): DataCellsFilterSpec[] {
    const rows = this.#db
      .prepare('SELECT body FROM lf_filters ORDER BY database_name, table_name, name')
      .all() as { body: string }[];
    return rows.map((r) => JSON.parse(r.body) as DataCellsFilterSpec);
  }

  putFilter(filter: DataCellsFilterSpec): void {
    this.#version++;
    this.#db
      .prepare('INSERT INTO lf_filters (database_name, table_name, name, body) VALUES (?, ?, ?, ?)')
      .run(filter.database, filter.table, filter.name, JSON.stringify(filter));
  }

  /** Deletes the filter and every permission on it; false when it did not exist. */
  deleteFilter(database: string, table: string, name: string): boolean {
    this.#version++;
    const out = this.#db
      .prepare('DELETE FROM lf_filters WHERE database_name = ? AND table_name = ? AND name = ?')
      .run(database, table, name);
    if (Number(out.changes) === 0) return false;
    this.#db
      .prepare('DELETE FROM lf_permissions WHERE resource_key = ?')
      .run(resourceKey({ kind: 'dataCellsFilter', database, table, name }));
    return true;
  }

  settings(): StoredSettings {
    const row = this.#db.prepare('SELECT body FROM lf_settings WHERE id = 1').get() as
      | { body: string }
      | undefined;
    return row === undefined
      ? { DataLakeAdmins: [], CreateDatabaseDefaultPermissions: [], CreateTableDefaultPermissions: [] }
      : (JSON.parse(row.body) as StoredSettings);
  }

  putSettings(settings: StoredSettings): void {
    this.#version++;
    this.#db
      .prepare(
        'INSERT INTO lf_settings (id, body) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body',
      )
      .run(JSON.stringify(settings));
  }
}
