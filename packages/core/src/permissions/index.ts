export { AccessDeniedError, effectiveAccess, rowFilterSql, type TableAccess } from './effective-access.ts';
export {
  formatPolicyProblem,
  IamAllowedPrincipalsActiveError,
  PermissionsApplyIncompleteError,
  PermissionsGuardTrippedError,
  PolicyInvalidError,
  type PolicyProblem,
} from './errors.ts';
export {
  BATCH_LIMIT,
  type BatchEntry,
  type BatchEntryFailure,
  type DataCellsFilterSpec,
  type DataLakeSettings,
  IAM_ALLOWED_PRINCIPALS,
  type LakePermissions,
  type PermissionGrant,
  type PermissionResource,
} from './lake-permissions.port.ts';
export {
  canonicalResource,
  countPermissions,
  formatPlan,
  type PermissionsPlan,
  type PlannedChange,
  planIsEmpty,
  planPermissions,
  planSha256,
  resourceKey,
  revokedCount,
} from './plan-permissions.ts';
export {
  type ColumnSelection,
  type DesiredPermissions,
  FILTER_PREFIX,
  type PermissionPolicy,
  type PolicyCatalog,
  type PolicyGrant,
  type PolicyPermission,
  type PolicyPrincipal,
  permissionPolicySchema,
  resolvePolicy,
  type StageOverride,
} from './policy.ts';
export {
  isAllRows,
  parseRowFilter,
  ROW_FILTER_MAX_LENGTH,
  type RowFilterLiteral,
  type RowFilterNode,
  RowFilterSyntaxError,
  rowFilterColumns,
} from './row-filter.ts';
export {
  isRetryableBatchCode,
  PERMISSIONS_EVENT_SOURCE,
  type PermissionsEvents,
  type PermissionsReview,
  type PermissionsSyncCompletedDetail,
  permissionsEventsOn,
  reviewPermissions,
  type SyncPermissionsDeps,
  type SyncPermissionsInput,
  type SyncPermissionsResult,
  syncPermissions,
} from './sync-permissions.ts';
