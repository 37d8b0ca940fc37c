import { join } from 'node:path';
import { queryAsPrincipal } from '@lakeops/adapters-local';
import { effectiveAccess, type Row } from '@lakeops/core';
import { LakeFormationStore } from '@lakeops/local-cloud';
import { CliUsageError } from './command.ts';
import {
  DEFAULT_POLICY_FILE,
  lakeStage,
  loadDesiredPermissions,
  policyCatalog,
} from './permissions-policy.ts';

export interface QueryAsInput {
  /** LAKEOPS_HOME: the lake under `lake/`, the Lake Formation state under `state/`. */
  readonly home: string;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** A principal's short name from the policy, or an IAM role ARN. */
  readonly principal: string;
  readonly sql: string;
}

/**
 * `lakeops query --as <principal>`: the SQL runs on DuckDB seeing only what the local Lake
 * Formation state (`perms apply`) grants the principal: its tables, its columns, the rows its data
 * cells filters pass. Anything else fails with `AccessDeniedError` naming the table or column.
 * Kept apart from `commands/query.ts` so the query command can call it.
 *
 * @example
 * ```ts
 * const rows = await queryAs({ home, cwd, env, principal: 'analyst-lis', sql: 'SELECT …' });
 * ```
 */
export async function queryAs(input: QueryAsInput): Promise<Row[]> {
  const stage = lakeStage(input.env);
  let arn = input.principal;
  let name = input.principal;
  if (!input.principal.startsWith('arn:')) {
    const { names } = await loadDesiredPermissions(DEFAULT_POLICY_FILE, input.cwd, stage);
    const found = [...names].find(([, n]) => n === input.principal);
    if (found === undefined) {
      throw new CliUsageError(
        `unknown principal '${input.principal}' (the names in ${DEFAULT_POLICY_FILE}: ${[...names.values()].join(', ')})`,
      );
    }
    arn = found[0];
  } else {
    name = input.principal;
  }
  const store = LakeFormationStore.open(join(input.home, 'state', 'lakeformation.sqlite'));
  let access: ReturnType<typeof effectiveAccess>;
  try {
    access = effectiveAccess(arn, store.grants(), store.filters(), policyCatalog(stage));
  } finally {
    store.close();
  }
  return queryAsPrincipal({ root: join(input.home, 'lake'), principal: name, access, sql: input.sql });
}
