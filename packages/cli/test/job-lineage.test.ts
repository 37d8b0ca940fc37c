import type { NrtView } from '@lakeops/core';
import { type OpenLineageRunEvent, tables } from '@lakeops/lake';
import { describe, expect, it } from 'vitest';
import { invokeWithRunEvents, purgeOutcomes, purgeUnits, startRuns } from '../src/job-lineage.ts';

const table = (name: string) => {
  const t = tables.find((d) => `${d.zone}.${d.name}` === name);
  if (!t) throw new Error(name);
  return t;
};
const views: NrtView[] = ['nrt.dispute_queue', 'nrt.recon_gates'].map((name) => ({
  name,
  table: table(name),
  carriesOver: false,
  sql: () => 'SELECT 1',
  changesSql: () => 'SELECT 1',
}));

// The events' validity against the OpenLineage schema is checked on real runs in
// test/integration/lake/openlineage-jobs.test.ts.
describe('OpenLineage runs around a job', () => {
  const lineage = (events: OpenLineageRunEvent[]) => ({
    namespace: 'ns',
    emit: (e: OpenLineageRunEvent) => void events.push(e),
  });
  const summary = (events: readonly OpenLineageRunEvent[]) =>
    events.map((e) => `${e.eventType} ${e.job.name} → ${e.outputs.map((d) => d.name).join(',') || '-'}`);

  it('fails every unit with the error, and rethrows it, when the job throws', async () => {
    // Prepare
    const events: OpenLineageRunEvent[] = [];
    const runs = await startRuns(lineage(events), purgeUnits(tables).slice(0, 2));
    // Act
    const outcome = Promise.reject(new Error('lease held')).catch(runs.fail);
    // Assess
    await expect(outcome).rejects.toThrow('lease held');
    expect(summary(events)).toEqual([
      'START dsar-purge.silver.fact_search_impressions → silver.fact_search_impressions',
      'START dsar-purge.silver.fact_search_clicks → silver.fact_search_clicks',
      'FAIL dsar-purge.silver.fact_search_impressions → silver.fact_search_impressions',
      'FAIL dsar-purge.silver.fact_search_clicks → silver.fact_search_clicks',
    ]);
    expect(events[2]?.run.runId).toBe(events[0]?.run.runId);
    expect(events[3]?.run.facets?.errorMessage?.message).toBe('lease held');
  });

  it('ends each purge table by its report: rewritten, untouched, failed, or not reached', async () => {
    // Prepare
    const events: OpenLineageRunEvent[] = [];
    const units = purgeUnits(tables).slice(0, 4);
    const runs = await startRuns(lineage(events), units);
    const entry = (t: string, status: 'ok' | 'unchanged' | 'failed', rowsRemoved = 0) => ({
      table: t,
      partitions: [],
      rowsRemoved,
      status,
      millis: 1,
      ...(status === 'failed'
        ? { error: { code: 'PurgeVerificationFailed', message: 'count mismatch' } }
        : {}),
    });
    // Act
    await runs.end(
      purgeOutcomes({
        runId: 'purge-1',
        dryRun: false,
        startedAt: '2026-11-30T02:00:00Z',
        completedAt: '2026-11-30T02:01:00Z',
        requestIds: ['r-1'],
        tables: [
          entry('silver.fact_search_impressions', 'ok', 3),
          entry('silver.fact_search_clicks', 'unchanged'),
          entry('silver.fact_profile_views', 'failed'),
        ],
        rowsRemoved: 3,
        bytesRewritten: 100,
        requests: [],
      }),
    );
    // Assess
    expect(summary(events.slice(4))).toEqual([
      'COMPLETE dsar-purge.silver.fact_search_impressions → silver.fact_search_impressions',
      'COMPLETE dsar-purge.silver.fact_search_clicks → -',
      'FAIL dsar-purge.silver.fact_profile_views → silver.fact_profile_views',
      'COMPLETE dsar-purge.silver.fact_checkouts → -',
    ]);
    expect(events[6]?.run.facets?.errorMessage?.message).toBe('PurgeVerificationFailed: count mismatch');
  });

  it('wraps an NRT route: per-view ends from its result; a parked event or a throw fails every view', async () => {
    // Prepare
    const events: OpenLineageRunEvent[] = [];
    const result = {
      runId: 'nrt-1',
      day: '2026-11-30',
      views: [
        { view: 'nrt.dispute_queue', status: 'failed', error: 'NrtRefreshFailed: disk full' },
        { view: 'nrt.recon_gates', status: 'skipped', heldBy: 'another refresh' },
      ],
      alarms: [],
    };
    // Act
    const returned = await invokeWithRunEvents(
      lineage(events),
      'nrt-refresh',
      async () => views,
      async () => result,
    );
    const refreshEvents = events.splice(0);
    await invokeWithRunEvents(
      lineage(events),
      'nrt-rebuild',
      async () => views,
      async () => ({
        status: 'parked',
        code: 'EventInvalid',
        message: 'detail.v must be 1',
      }),
    );
    const parkedEvents = events.splice(0);
    const thrown = invokeWithRunEvents(
      lineage(events),
      'nrt-refresh',
      async () => views,
      async () => {
        throw new Error('engine closed');
      },
    );
    // Assess
    expect(returned).toBe(result);
    expect(summary(refreshEvents)).toEqual([
      'START nrt-refresh.nrt.dispute_queue → nrt.dispute_queue',
      'START nrt-refresh.nrt.recon_gates → nrt.recon_gates',
      'FAIL nrt-refresh.nrt.dispute_queue → nrt.dispute_queue',
      'COMPLETE nrt-refresh.nrt.recon_gates → -',
    ]);
    expect(refreshEvents[2]?.run.facets?.errorMessage?.message).toBe('NrtRefreshFailed: disk full');
    expect(summary(parkedEvents).slice(2)).toEqual([
      'FAIL nrt-rebuild.nrt.dispute_queue → nrt.dispute_queue',
      'FAIL nrt-rebuild.nrt.recon_gates → nrt.recon_gates',
    ]);
    expect(parkedEvents[2]?.run.facets?.errorMessage?.message).toBe(
      'nrt-rebuild parked the event: detail.v must be 1',
    );
    await expect(thrown).rejects.toThrow('engine closed');
    expect(summary(events).slice(2)).toEqual([
      'FAIL nrt-refresh.nrt.dispute_queue → nrt.dispute_queue',
      'FAIL nrt-refresh.nrt.recon_gates → nrt.recon_gates',
    ]);
  });

  it('leaves a route that touches no lake table alone', async () => {
    // Prepare
    const events: OpenLineageRunEvent[] = [];
    // Act
    const result = await invokeWithRunEvents(
      lineage(events),
      'notify-deploy',
      async () => views,
      async () => 'sent',
    );
    // Assess
    expect(result).toBe('sent');
    expect(events).toEqual([]);
  });
});
