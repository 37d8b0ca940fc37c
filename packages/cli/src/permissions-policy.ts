import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type DesiredPermissions, type PolicyCatalog, resolvePolicy } from '@lakeops/core';
import { glueDatabaseName, glueDatabasePrefix, tables } from '@lakeops/lake';

/** The policy file `perms plan|apply` reads unless `--policy` names another. */
export const DEFAULT_POLICY_FILE = 'permissions/policy.ts';

/** The SST stage whose Glue databases the policy is resolved for (`LAKEOPS_STAGE`, default dev). */
export function lakeStage(env: Readonly<Record<string, string | undefined>>): string {
  return env.LAKEOPS_STAGE || 'dev';
}

/** The table catalog, named as Glue names it in one stage. */
export function policyCatalog(stage: string): PolicyCatalog {
  const prefix = glueDatabasePrefix(stage);
  return { tables, databaseName: (zone) => glueDatabaseName(prefix, zone) };
}

/** `database.table` → columns (partition keys included), for the local Lake Formation endpoint. */
export function lakeFormationCatalog(stage: string): Map<string, readonly string[]> {
  const { databaseName } = policyCatalog(stage);
  return new Map(
    tables.map((t) => [
      `${databaseName(t.zone)}.${t.name}`,
      [
        ...t.columns.map((c) => c.name),
        ...t.partitionKeys.filter((k) => !t.columns.some((c) => c.name === k)),
      ],
    ]),
  );
}

/**
 * Reads a policy file (`.ts` or `.js` exporting `policy`, or `.json`), checks it and resolves it
 * for the stage. Throws `PolicyInvalidError` naming the file, principal and column.
 */
export async function loadDesiredPermissions(
  file: string,
  cwd: string,
  stage: string,
): Promise<{ desired: DesiredPermissions; names: Map<string, string> }> {
  const path = isAbsolute(file) ? file : resolve(cwd, file);
  let data: unknown;
  if (path.endsWith('.json')) {
    data = JSON.parse(await readFile(path, 'utf8'));
  } else {
    const module = (await import(pathToFileURL(path).href)) as { policy?: unknown; default?: unknown };
    data = module.policy ?? module.default;
  }
  const desired = resolvePolicy(data, file, stage, policyCatalog(stage));
  const principals = (data as { principals: { name: string; arn: string }[] }).principals;
  return { desired, names: new Map(principals.map((p) => [p.arn, p.name])) };
}
