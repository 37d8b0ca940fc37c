import { LakeopsError } from '../shared/errors.ts';
import type { BatchEntryFailure } from './lake-permissions.port.ts';

/** One problem in a policy file: where (file, principal, table, column) and what. */
export interface PolicyProblem {
  readonly file: string;
  readonly principal?: string;
  readonly table?: string;
  readonly column?: string;
  readonly message: string;
}

export function formatPolicyProblem(p: PolicyProblem): string {
  const where = [
    p.file,
    p.principal === undefined ? undefined : `principal ${p.principal}`,
    p.table === undefined
      ? undefined
      : p.column === undefined
        ? `table ${p.table}`
        : `column ${p.table}.${p.column}`,
    p.table === undefined && p.column !== undefined ? `column ${p.column}` : undefined,
  ].filter((x) => x !== undefined);
  return `${where.join(': ')}: ${p.message}`;
}

/** The policy file breaks its schema, the catalog or a privacy rule. */
export class PolicyInvalidError extends LakeopsError {
  readonly problems: readonly PolicyProblem[];
  constructor(problems: readonly PolicyProblem[]) {
    super('PolicyInvalid', problems.map(formatPolicyProblem).join('\n'), { retryable: false });
    this.problems = problems;
  }
}

/** The plan would empty the managed scope or revoke more than the allowed share; `--force` overrides. */
export class PermissionsGuardTrippedError extends LakeopsError {
  constructor(message: string) {
    super('PermissionsGuardTripped', message, { retryable: false });
  }
}

/** Some batch entries still failed after the retries; the rest of the plan was applied. */
export class PermissionsApplyIncompleteError extends LakeopsError {
  readonly failures: readonly BatchEntryFailure[];
  constructor(failures: readonly BatchEntryFailure[]) {
    super(
      'PermissionsApplyIncomplete',
      `${failures.length} permission change(s) failed: ${failures
        .slice(0, 5)
        .map((f) => `${f.code} (${f.message})`)
        .join('; ')}`,
      { retryable: failures.some((f) => f.retryable) },
    );
    this.failures = failures;
  }
}

/**
 * IAMAllowedPrincipals still holds a managed table (or the defaults hand it new ones): Lake
 * Formation then falls back to IAM and fine-grained grants restrict nothing.
 */
export class IamAllowedPrincipalsActiveError extends LakeopsError {
  readonly tables: readonly string[];
  constructor(tables: readonly string[]) {
    super(
      'IamAllowedPrincipalsActive',
      `IAMAllowedPrincipals still grants ${tables.join(', ')}: fine-grained permissions have no effect there`,
      { retryable: false },
    );
    this.tables = tables;
  }
}
