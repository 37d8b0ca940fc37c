/**
 * Functions called over HTTPS through a Lambda function URL rather than from the bus: data, like
 * the route table (functions/routes.ts), in the same shape and with the same permission types; the
 * stacks deploy each with its URL (stacks/console.ts). Not routes: no pattern, no schedule, no DLQ.
 */
import { alertStateKeys } from '@lakeops/core';
import {
  queryAthenaReads,
  readGlueCatalog,
  readLake,
  type UrlFunction,
  useAthenaResults,
  writeTraces,
} from './lib/route.ts';

/**
 * The ops console on AWS (functions/console.ts): the pages and JSON API of `lakeops start`'s
 * /console, reading the NRT and Gold tables through Athena (reads workgroup) and the state table.
 * Its only writes are the silences the Alerts page creates and expires.
 */
export const consoleFunction: UrlFunction = {
  id: 'console',
  kind: 'url',
  authorization: 'iam',
  description: 'The ops console: pages and JSON API over the NRT views, KPIs, quality, alerts, DSAR runs.',
  function: 'console',
  // A function URL waits for the answer: the Ops page runs its three NRT queries one after the other
  // (each given up after consoleQueryTimeoutMs); cached, a page costs no query.
  timeoutSeconds: 30,
  memoryMB: 1024,
  permissions: [
    writeTraces,
    queryAthenaReads,
    // Athena plans over the NRT and Gold tables only, and reads only their objects.
    { ...readGlueCatalog, zones: ['nrt', 'gold'] },
    { ...readLake, zones: ['nrt', 'gold'] },
    useAthenaResults,
    // NRT refresh records, quality runs, alert groups and silences, DSAR runs (GetItem, Query).
    { actions: ['dynamodb:GetItem', 'dynamodb:Query'], resource: 'state-table' },
    // Silences: created (UpdateItem, the state store's put) and expired (DeleteItem) from the page.
    {
      actions: ['dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      resource: 'state-table',
      stateKeys: [alertStateKeys.silence],
    },
  ],
  tables: { reads: [{ set: 'nrt-views' }, 'gold.kpi_gmv_daily', 'gold.kpi_promo_ctr'] },
  // The page's static files, read at run time under LAMBDA_TASK_ROOT (functions/lib/aws-console-deps.ts).
  files: [
    'node_modules/uplot/dist/uPlot.iife.min.js',
    'node_modules/uplot/dist/uPlot.min.css',
    'packages/console/assets/console.js',
    'packages/console/assets/console.css',
  ],
};

export const urlFunctions: readonly UrlFunction[] = [consoleFunction];

/**
 * The period of a `rate(<n> minute[s]|hour[s])` schedule in seconds: the console keeps query
 * results as long as the NRT refresh takes to renew them (the `nrt-refresh` route's schedule).
 */
export function ratePeriodSeconds(schedule: string): number {
  const m = /^rate\((\d+) (minute|minutes|hour|hours)\)$/.exec(schedule);
  if (!m) throw new RangeError(`not a rate() of minutes or hours: ${schedule}`);
  return Number(m[1]) * (m[2]?.startsWith('hour') ? 3600 : 60);
}
