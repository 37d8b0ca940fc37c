import {
  type Permission,
  parkInDeadLetter,
  publishEvents,
  queryAthenaReads,
  queryAthenaWrites,
  type Route,
  readDsarSalt,
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

/** NRT refresh: the per-view lease, record and skip counter in the `State` table. */
const useNrtLease: Permission = {
  actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
  resource: 'state-table',
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
    description: 'Tell the team in chat when a deploy succeeds or fails.',
    function: 'notify',
    pattern: {
      source: ['marketplace.deploy'],
      'detail-type': ['deploy.succeeded', 'deploy.failed'],
      detail: { v: [1] },
    },
    timeoutSeconds: 10,
    memoryMB: 256,
    permissions: [parkInDeadLetter, writeTraces, readSlackWebhook],
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
    permissions: [parkInDeadLetter, writeTraces, useNrtLease],
    // The Athena path of the refresh (CTAS per partition, completion from query-state events) is
    // not built: on AWS the handler would fail every tick, so the stacks leave it out.
    runs: 'local-only',
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
    permissions: [parkInDeadLetter, writeTraces, useNrtLease],
    // The Athena path of the refresh (CTAS per partition, completion from query-state events) is
    // not built: on AWS the handler would fail every tick, so the stacks leave it out.
    runs: 'local-only',
    tables: { reads: [{ set: 'nrt-view-sources' }], writes: [{ set: 'nrt-views' }] },
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
