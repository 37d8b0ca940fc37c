export { type AlertGroupView, createSilence, endSilence, type OpenAlert, readAlerts } from './alerts-data.ts';
export { cachedQueryEngine } from './cached-query-engine.ts';
export type {
  ConsoleAsset,
  ConsoleDeps,
  PermissionPreviewSource,
  SentNotification,
  TablePreview,
} from './console-deps.ts';
export { ConsoleRequestInvalidError } from './errors.ts';
export {
  apiEndpoints,
  type ConsoleRequest,
  type ConsoleResponse,
  consoleMaxBodyBytes,
  handleConsoleRequest,
} from './handle-console-request.ts';
export { type KpiChart, type KpiDay, kpiDetector, readKpis } from './kpi-data.ts';
export { defaultLineageNode, type LineageAround, lineageDepth, readLineage } from './lineage-data.ts';
export {
  ageBuckets,
  type Freshness,
  freshnessOf,
  freshnessThresholds,
  type OpsPanel,
  type OpsViewName,
  opsPanelSql,
  opsViewName,
  opsViews,
  readOps,
  readOpsPanel,
} from './ops-data.ts';
export { type DsarRunCounts, readPrivacy } from './privacy-data.ts';
export { readQuality, type SuiteQuality } from './quality-data.ts';
