import { type Zone, zones } from '@lakeops/core';

/**
 * Glue database names on AWS. The models address `<zone>.<table>`; on AWS each zone is one Glue
 * database, prefixed per stage so that stages share an account without sharing tables:
 * `lakeops_<stage>_<zone>` (Glue and Athena fold names to lower case; only `[a-z0-9_]` is kept).
 * CTAS results are written to a separate staging database before the partition switch.
 *
 * @example
 * ```ts
 * const prefix = glueDatabasePrefix('pr-42');           // 'lakeops_pr_42'
 * glueDatabaseName(prefix, 'silver');                   // 'lakeops_pr_42_silver'
 * glueDatabaseName(prefix, 'staging');                  // 'lakeops_pr_42_staging'
 * ```
 */
export type GlueDatabaseRole = Zone | 'staging';

export const glueDatabaseRoles: readonly GlueDatabaseRole[] = [...zones, 'staging'];

/** `lakeops_<stage>`, lower case, every character outside `[a-z0-9_]` replaced by `_`. */
export function glueDatabasePrefix(stage: string, app = 'lakeops'): string {
  return `${app}_${stage}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

/** The Glue database that holds one zone's tables (or the CTAS staging tables). */
export function glueDatabaseName(prefix: string, role: GlueDatabaseRole): string {
  return `${prefix}_${role}`;
}
