import {
  type Permission,
  parkInDeadLetter,
  publishEvents,
  queryAthenaReads,
  queryAthenaWrites,
  type Route,
  readDsarSalt,
  readExperimentsConfig,
  readGlueCatalog,
  readLake,
  readPagerDutyRoutingKey,
  readSlackWebhook,
  useAthenaResults,
  writeGlueCatalog,
  writeLake,
  writeTraces,
} from './lib/route.ts';

/** DSAR intake: conditional writes to the deletion queue in the `State` table. */
const writeDeletionQueue: Permission = {
  actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  resource: 'state-table',
};

/**
 * NRT refresh: the per-view lease, record and skip counter in the `State` table (the state
 * store writes with a conditional `UpdateItem`, never `PutItem`; the Athena path deletes job records).
 */
const useNrtLease: Permission = {
  actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
  resource: 'state-table',
};

/**
 * The NRT refresh on AWS (`startNrtRefresh` / `completeNrtQuery` over `AthenaQueryEngine`): the
 * hours to refresh are found by a SELECT in the reads workgroup, each write is a CTAS started in the
 * writes workgroup and followed with GetQueryExecution, its staged partitions are counted in the
 * reads workgroup, switched in Glue (Batch{Create,Update}Partition, DROP TABLE of the staging
 * table), the superseded folders deleted from the lake; the results land in the results bucket;
 * `nrt.refreshed` / `nrt.refresh.failed` / the staleness alarm go onto the bus. The tick, the rebuild
 * and the completion all may finish a write and start the next one, so they share one grant.
 */
const refreshNrtOnAthena: readonly Permission[] = [
  useNrtLease,
  queryAthenaReads,
  queryAthenaWrites,
  writeGlueCatalog,
  writeLake,
  useAthenaResults,
  publishEvents,
];

/** The NRT models (`.sql`), read at run time: copied into the NRT functions' bundles. */
export const nrtModelsFolder = 'packages/lake/models/nrt';

/**
 * The daily experiment analysis on AWS (`AthenaQueryEngine`): the definitions from AppConfig, the
 * first exposure and the per-unit metrics by SELECTs in the reads workgroup, `gold.exp_results`
 * written as the NRT views are (CTAS in the writes workgroup, Glue partition switch, superseded
 * folder deleted), results in the results bucket; SRM and guardrail alerts onto the bus.
 */
const analyzeExperimentsOnAthena: readonly Permission[] = [
  parkInDeadLetter,
  writeTraces,
  readExperimentsConfig,
  queryAthenaReads,
  queryAthenaWrites,
  writeGlueCatalog,
  writeLake,
  useAthenaResults,
  publishEvents,
];

/** The experiment analysis' SQL (`.sql`), read at run time: copied into its bundle. */
export const experimentQueriesFolder = 'packages/lake/queries';

/**
 * The daily quality run on AWS: the suites' metric queries are SELECTs in the reads workgroup over
 * the built zones; each table's run record goes to the `State` table (`quality#run`, what the
 * console shows); `expectation.failed` / `quality.run.completed` onto the bus.
 */
const runQualityOnAthena: readonly Permission[] = [
  parkInDeadLetter,
  writeTraces,
  queryAthenaReads,
  { ...readGlueCatalog, zones: ['silver', 'silver_private', 'gold'] },
  { ...readLake, zones: ['silver', 'silver_private', 'gold'] },
  useAthenaResults,
  { actions: ['dynamodb:UpdateItem'], resource: 'state-table', stateKeys: ['quality#run'] },
  publishEvents,
];

/** The expectation suites (`.json`), read at run time: copied into the quality function's bundle. */
export const expectationsFolder = 'packages/lake/expectations';

/**
 * The daily KPI check on AWS: the two KPI queries over Gold in the reads workgroup; the open
 * anomalies in the `State` table (`kpi#open`, read then written with a version check);
 * `kpi.anomaly.detected` / `kpi.anomaly.resolved` onto the bus.
 */
const checkKpisOnAthena: readonly Permission[] = [
  parkInDeadLetter,
  writeTraces,
  queryAthenaReads,
  { ...readGlueCatalog, zones: ['gold'] },
  { ...readLake, zones: ['gold'] },
  useAthenaResults,
  { actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resource: 'state-table', stateKeys: ['kpi#open'] },
  publishEvents,
];

/** Alert recording: the route groups in the `State` table, read-modify-write with a version condition. */
const recordAlertGroups: Permission = {
  actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  resource: 'state-table',
};

/** Alert flush: list the groups and silences, claim and record notifications, drop finished groups. */
const flushAlertGroupsState: Permission = {
  actions: ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
  resource: 'state-table',
};

/** The routing config (Alertmanager format), bundled with the alerting functions. */
export const alertingConfigFile = 'examples/alerting/alertmanager.yml';

/**
 * Permission sync: exactly the Lake Formation operations `LakeFormationPermissions` sends in a full
 * sync (functions/test/permission-sync.test.ts records them under aws-sdk-client-mock). Lake
 * Formation's IAM actions take no resource ARN (Service Authorization Reference, AWS Lake
 * Formation): the statement is on `*`; what the role may grant is decided by Lake Formation itself
 * (the role must be a data lake administrator or hold the permissions with grant option).
 */
const syncLakeFormation: Permission = {
  actions: [
    'lakeformation:ListPermissions',
    'lakeformation:ListDataCellsFilter',
    'lakeformation:GetDataLakeSettings',
    'lakeformation:BatchGrantPermissions',
    'lakeformation:BatchRevokePermissions',
    'lakeformation:CreateDataCellsFilter',
    'lakeformation:DeleteDataCellsFilter',
  ],
  resource: 'lake-formation',
};

/** DSAR purge: the lease, the manifest, the deletion queue and the audit record in the `State` table. */
const runDsarPurge: Permission = {
  actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
  resource: 'state-table',
};

/** DSAR purge: old files of rewritten partitions and the ids file go with every version (versioned bucket). */
const deleteLakeVersions: Permission = {
  actions: ['s3:ListBucketVersions', 's3:DeleteObjectVersion'],
  resource: 'lake-bucket',
};

/** Everything the DSAR purge does on AWS: Athena reads and CTAS, the Glue switch, S3, the state table, the bus. */
const dsarPurgePermissions = [
  parkInDeadLetter,
  writeTraces,
  runDsarPurge,
  queryAthenaReads,
  queryAthenaWrites,
  writeGlueCatalog,
  useAthenaResults,
  writeLake,
  deleteLakeVersions,
  publishEvents,
];

/**
 * The route table: which events and schedules run which function, with what limits and
 * permissions. SST subscriptions and schedules (stacks/), the local bus and the README's event
 * catalogue are generated from this list.
 */
export const routes = [
  {
    id: 'notify-deploy',
    kind: 'event',
    description:
      'Tell the team when a deploy succeeds or fails: Slack, a PagerDuty change event, deploy metrics by service.',
    function: 'notify',
    pattern: {
      source: ['marketplace.deploy'],
      'detail-type': ['deploy.succeeded', 'deploy.failed'],
      detail: { v: [1] },
    },
    // Room for the notification retries (a 429's Retry-After up to 30 s) before parking.
    timeoutSeconds: 90,
    memoryMB: 256,
    permissions: [parkInDeadLetter, writeTraces, readSlackWebhook, readPagerDutyRoutingKey],
  },
  {
    id: 'dsar-intake',
    kind: 'event',
    description: 'Record a deleted user in the DSAR deletion queue for the nightly purge.',
    function: 'dsar-intake',
    pattern: {
      source: ['marketplace.accounts'],
      'detail-type': ['user.tombstoned'],
      detail: { v: [1] },
    },
    timeoutSeconds: 10,
    memoryMB: 256,
    permissions: [parkInDeadLetter, writeTraces, writeDeletionQueue, readDsarSalt],
    personalIds: ['user_id', 'anon_ids'],
  },
  {
    id: 'nrt-refresh',
    kind: 'schedule',
    description: 'Refresh the NRT ops views: the hours of today touched since the last refresh.',
    function: 'nrt-refresh',
    schedule: 'rate(5 minutes)',
    timeoutSeconds: 240,
    memoryMB: 1024,
    permissions: [parkInDeadLetter, writeTraces, ...refreshNrtOnAthena],
    files: [nrtModelsFolder],
    tables: { reads: [{ set: 'nrt-view-sources' }], writes: [{ set: 'nrt-views' }] },
  },
  {
    id: 'nrt-rebuild',
    kind: 'event',
    description: 'Rebuild today of every NRT ops view after the data platform deploys.',
    function: 'nrt-rebuild',
    pattern: {
      source: ['marketplace.deploy'],
      'detail-type': ['deploy.succeeded'],
      detail: { v: [1], service: ['data-platform'] },
    },
    timeoutSeconds: 240,
    memoryMB: 1024,
    permissions: [parkInDeadLetter, writeTraces, ...refreshNrtOnAthena],
    files: [nrtModelsFolder],
    tables: { reads: [{ set: 'nrt-view-sources' }], writes: [{ set: 'nrt-views' }] },
  },
  {
    id: 'alert-record',
    kind: 'event',
    description:
      'Record an alert (failed expectation, KPI anomaly and its resolve, alarm incl. NRT staleness and CloudWatch state changes) in its route groups.',
    function: 'alert-record',
    pattern: {
      $or: [
        { source: ['lakeops.quality'], 'detail-type': ['expectation.failed'], detail: { v: [1] } },
        {
          source: ['lakeops.kpi'],
          'detail-type': ['kpi.anomaly.detected', 'kpi.anomaly.resolved'],
          detail: { v: [1] },
        },
        {
          source: ['marketplace.monitoring', 'lakeops.nrt'],
          'detail-type': ['alarm.triggered'],
          detail: { v: [1] },
        },
        { source: ['lakeops.nrt'], 'detail-type': ['nrt.refresh.failed'], detail: { v: [1] } },
        // Native alarm state changes (ALARM, OK, INSUFFICIENT_DATA): normalised to alarm.triggered v1.
        { source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'] },
      ],
    },
    timeoutSeconds: 10,
    memoryMB: 256,
    permissions: [parkInDeadLetter, writeTraces, recordAlertGroups],
    files: [alertingConfigFile],
  },
  {
    id: 'alert-flush',
    kind: 'schedule',
    description:
      'Send the alert groups that are due (group_wait, group_interval, repeat_interval, resolves), once per dedup key.',
    function: 'alert-flush',
    schedule: 'rate(1 minute)',
    timeoutSeconds: 60,
    memoryMB: 256,
    permissions: [
      parkInDeadLetter,
      writeTraces,
      flushAlertGroupsState,
      readSlackWebhook,
      readPagerDutyRoutingKey,
    ],
    files: [alertingConfigFile],
  },
  {
    id: 'sre-waf-metrics',
    kind: 'event',
    description: 'Count WAF blocks per rule and country (kpi_waf_blocks); no client address is read.',
    function: 'sre-waf-metrics',
    pattern: {
      source: ['marketplace.edge'],
      'detail-type': ['waf.block'],
      detail: { v: [1] },
    },
    timeoutSeconds: 10,
    memoryMB: 256,
    permissions: [parkInDeadLetter, writeTraces],
  },
  {
    id: 'permission-sync',
    kind: 'event',
    description: 'Bring Lake Formation in line with permissions/policy.ts after the data platform deploys.',
    function: 'permission-sync',
    pattern: {
      source: ['marketplace.deploy'],
      'detail-type': ['deploy.succeeded'],
      detail: { v: [1], service: ['data-platform'] },
    },
    timeoutSeconds: 300,
    memoryMB: 512,
    permissions: [parkInDeadLetter, writeTraces, syncLakeFormation, publishEvents],
  },
  {
    id: 'permission-drift-check',
    kind: 'schedule',
    description:
      'Hourly: revoke what drifted from permissions/policy.ts in Lake Formation, grant what is missing.',
    function: 'permission-drift-check',
    schedule: 'rate(1 hour)',
    timeoutSeconds: 300,
    memoryMB: 512,
    permissions: [parkInDeadLetter, writeTraces, syncLakeFormation, publishEvents],
  },
  {
    id: 'exp-analyze',
    kind: 'schedule',
    description:
      'Analyse every running experiment as of yesterday: gold.exp_results, and exp.srm.detected / exp.guardrail.breached for the alerts.',
    function: 'exp-analyze',
    schedule: 'cron(30 3 * * ? *)',
    timezone: 'UTC',
    timeoutSeconds: 600,
    memoryMB: 1024,
    permissions: analyzeExperimentsOnAthena,
    files: [experimentQueriesFolder],
  },
  {
    id: 'dsar-purge',
    kind: 'schedule',
    description: 'Purge every pending DSAR deletion from Silver and Gold: verified, audited, resumable.',
    function: 'dsar-purge',
    schedule: 'cron(0 2 * * ? *)',
    timezone: 'UTC',
    timeoutSeconds: 900,
    memoryMB: 1024,
    permissions: dsarPurgePermissions,
  },
  {
    id: 'dsar-purge-continue',
    kind: 'schedule',
    description: 'Resume a DSAR purge run that paused at the Lambda time limit or was killed.',
    function: 'dsar-purge-continue',
    schedule: 'rate(15 minutes)',
    timeoutSeconds: 900,
    memoryMB: 1024,
    permissions: dsarPurgePermissions,
  },
  {
    id: 'nrt-complete',
    kind: 'event',
    description:
      'Carry an NRT refresh on when its Athena write ends: switch the partitions in and emit nrt.refreshed, or clean up and emit nrt.refresh.failed.',
    function: 'nrt-complete',
    pattern: {
      $or: [
        // Athena's own events (best effort, on the account's default bus; the stacks forward them to
        // lakeops' bus): terminal states of a lakeops write workgroup (`lakeops-<stage>-writes`,
        // stacks/storage.ts). Normalised to athena.query.state_changed v1.
        {
          source: ['aws.athena'],
          'detail-type': ['Athena Query State Change'],
          detail: {
            workgroupName: [{ wildcard: 'lakeops-*-writes' }],
            currentState: ['SUCCEEDED', 'FAILED', 'CANCELLED'],
          },
        },
        // The same completion put by hand (`lakeops put-events`) when Athena's event was lost.
        {
          source: ['lakeops.nrt'],
          'detail-type': ['athena.query.state_changed'],
          detail: { v: [1], state: ['SUCCEEDED', 'FAILED', 'CANCELLED'] },
        },
      ],
    },
    timeoutSeconds: 240,
    memoryMB: 1024,
    permissions: [parkInDeadLetter, writeTraces, ...refreshNrtOnAthena],
    files: [nrtModelsFolder],
    tables: { reads: [{ set: 'nrt-view-sources' }], writes: [{ set: 'nrt-views' }] },
  },
  {
    id: 'quality-check',
    kind: 'schedule',
    description:
      "Run every table's expectation suite on yesterday's partition: expectation.failed per failure, quality.run.completed.",
    function: 'quality-check',
    schedule: 'cron(0 5 * * ? *)',
    timezone: 'UTC',
    timeoutSeconds: 900,
    memoryMB: 1024,
    permissions: runQualityOnAthena,
    files: [expectationsFolder],
  },
  {
    id: 'kpi-check',
    kind: 'schedule',
    description:
      'Judge GMV per city and in total, and CTR, against their baseline: kpi.anomaly.detected / kpi.anomaly.resolved.',
    function: 'kpi-check',
    schedule: 'cron(30 5 * * ? *)',
    timezone: 'UTC',
    timeoutSeconds: 300,
    memoryMB: 512,
    permissions: checkKpisOnAthena,
  },
] as const satisfies readonly Route[];

export type RouteId = (typeof routes)[number]['id'];

/** The route with this id, with its literal type (its pattern's pins type its function's event). */
export type RouteById<I extends RouteId> = Extract<(typeof routes)[number], { readonly id: I }>;

/** The route with this id; an unknown id does not compile. */
export function routeById<I extends RouteId>(id: I): RouteById<I> {
  const route = routes.find((r): r is RouteById<I> => r.id === id);
  if (!route) throw new Error(`no route '${id}' in functions/routes.ts`);
  return route;
}
