import type { PermissionPolicy } from '@lakeops/core';

/**
 * Lake Formation permissions as code. `npx lakeops perms plan|apply` checks this policy against
 * its JSON Schema (`permissionPolicySchema` in packages/core/src/permissions/policy.ts), the table
 * catalog and the privacy rules, and resolves it for the SST stage (`stages` below).
 * Account 123456789012 stands for the data platform's account.
 */
export const policy = {
  principals: [
    { name: 'analyst', arn: 'arn:aws:iam::123456789012:role/lakeops-analyst' },
    { name: 'analyst-lis', arn: 'arn:aws:iam::123456789012:role/lakeops-analyst-lis' },
    { name: 'privacy-officer', arn: 'arn:aws:iam::123456789012:role/lakeops-privacy-officer', privacy: true },
  ],
  grants: [
    { principal: 'analyst', database: 'gold', permissions: ['DESCRIBE'] },
    { principal: 'analyst', table: 'gold.kpi_gmv_daily', permissions: ['SELECT', 'DESCRIBE'] },
    { principal: 'analyst', table: 'gold.kpi_take_rate', permissions: ['SELECT', 'DESCRIBE'] },
    {
      principal: 'analyst',
      table: 'silver.fact_booking_legs',
      permissions: ['SELECT', 'DESCRIBE'],
      columns: { exclude: ['user_id', 'seller_id'] },
    },
    {
      principal: 'analyst-lis',
      table: 'silver.fact_booking_legs',
      permissions: ['SELECT', 'DESCRIBE'],
      columns: { exclude: ['user_id', 'seller_id'] },
      rowFilter: "city_id IN ('lis')",
      // dev holds synthetic data only: the analyst sees every city there.
      stages: { dev: { rowFilter: null } },
    },
    {
      principal: 'privacy-officer',
      table: 'silver_private.users_private',
      permissions: ['SELECT', 'DESCRIBE'],
    },
  ],
} satisfies PermissionPolicy;
