import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PagerDutyEventsNotifier, SlackWebhookNotifier } from '@lakeops/adapters-aws';
import { SqliteStateStore } from '@lakeops/adapters-local';
import {
  type AlertingEvent,
  addSilence,
  alertFromEvent,
  flushAlertGroups,
  type ParkedEvent,
  parseAlertmanagerConfig,
  recordAlert,
} from '@lakeops/core';
import { repoRoot } from '@lakeops/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

// The router (core) with the real SQLite state store and the real HTTP notifiers, against a Slack
// webhook and a PagerDuty Events API on 127.0.0.1. The PagerDuty fake keeps incidents as PagerDuty
// does: a trigger opens one unless an open one has its dedup_key; a resolve closes it.

const config = parseAlertmanagerConfig(
  readFileSync(join(repoRoot, 'examples/alerting/alertmanager.yml'), 'utf8'),
);
const tables = ['gold.kpi_daily', 'gold.kpi_city', 'silver.orders', 'silver.payments', 'silver.sessions'];

let server: Server;
let base: string;
const slack: { at: number; body: { text: string } }[] = [];
const pdEvents: { at: number; body: { event_action: string; dedup_key: string } }[] = [];
const openIncidents = new Map<string, number>();
let incidentsOpened = 0;
let now = new Date('2026-12-01T10:00:00Z');

const clock = { now: () => now };
const measured: Record<string, number> = {};

function failed(i: number): AlertingEvent {
  const table = tables[i % 5] ?? 'x';
  return {
    id: `e${i}`,
    'detail-type': 'expectation.failed',
    detail: {
      v: 1,
      run_id: `r${i}`,
      suite: 'nightly',
      table,
      expectation: `expect_column_values_to_not_be_null(c${Math.floor(i / 5)})`,
      severity: 'error',
      observed: i,
    } as AlertingEvent['detail'] & { v: 1 },
  } as AlertingEvent;
}

async function harness() {
  const state = new SqliteStateStore({
    file: join(await mkdtemp(join(tmpdir(), 'alert-storm-')), 'state.db'),
    clock,
  });
  const parked: ParkedEvent[] = [];
  const deps = {
    state,
    clock,
    notifiers: {
      slack: new SlackWebhookNotifier({ url: `${base}/slack` }),
      pagerduty: new PagerDutyEventsNotifier({ routingKey: 'rk', eventsUrl: `${base}/v2/enqueue` }),
      fallback: { send: async () => {} },
    },
    deadLetter: { park: async (p: ParkedEvent) => void parked.push(p) },
    sleep: async () => {},
    random: () => 0.5,
    routeId: 'alert-flush',
  };
  return { state, parked, deps };
}

describe('alert routing under a storm (SQLite state, real HTTP)', () => {
  beforeAll(async () => {
    server = createServer(async (req, res) => {
      let text = '';
      for await (const chunk of req) text += chunk;
      const body = JSON.parse(text);
      if (req.url === '/slack') {
        slack.push({ at: now.getTime(), body });
        res.writeHead(200).end('ok');
        return;
      }
      pdEvents.push({ at: now.getTime(), body });
      if (body.event_action === 'trigger' && !openIncidents.has(body.dedup_key)) {
        openIncidents.set(body.dedup_key, ++incidentsOpened);
      }
      if (body.event_action === 'resolve') openIncidents.delete(body.dedup_key);
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"success"}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    console.info('alert storm', measured);
    await new Promise<void>((r) => server.close(() => r()));
  });
  beforeEach(() => {
    slack.length = 0;
    pdEvents.length = 0;
    openIncidents.clear();
    incidentsOpened = 0;
    now = new Date('2026-12-01T10:00:00Z');
  });

  it('500 failures for 5 tables in a minute: ≤ 1 message per table and group interval, ≤ 1 page per dedup key, one resolve', async () => {
    // Prepare
    const { deps, parked } = await harness();
    const t0 = now.getTime();
    // Act: 500 events over 60 s (100 different expectations per table), the scheduled flush every
    // 10 s for 20 minutes.
    let next = 0;
    for (let tick = 0; tick <= 120; tick++) {
      const at = t0 + tick * 10_000;
      while (next < 500 && t0 + next * 120 < at) {
        now = new Date(t0 + next * 120);
        await recordAlert(deps, config, alertFromEvent(failed(next)));
        next++;
      }
      now = new Date(at);
      await flushAlertGroups(deps, config);
    }
    // Assess
    const firingSlack = slack.filter((m) => m.body.text.startsWith('[FIRING'));
    for (const table of tables.filter((t) => t.startsWith('silver.'))) {
      const times = firingSlack.filter((m) => m.body.text.includes(`table=${table}`)).map((m) => m.at);
      expect(times.length).toBeGreaterThanOrEqual(1);
      for (let i = 1; i < times.length; i++)
        expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(300_000);
    }
    const triggers = pdEvents.filter((e) => e.body.event_action === 'trigger');
    const keys = new Set(triggers.map((e) => e.body.dedup_key));
    expect(keys.size).toBe(2); // the two gold tables page (severity error on gold.*)
    expect(incidentsOpened).toBe(2);
    for (const key of keys) {
      const times = triggers.filter((e) => e.body.dedup_key === key).map((e) => e.at);
      for (let i = 1; i < times.length; i++)
        expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(300_000);
    }
    const resolves = pdEvents.filter((e) => e.body.event_action === 'resolve').map((e) => e.body.dedup_key);
    expect(resolves.sort()).toEqual([...keys].sort());
    expect(openIncidents.size).toBe(0);
    const slackResolved = slack.filter((m) => m.body.text.startsWith('Resolved:'));
    expect(slackResolved).toHaveLength(3);
    expect(parked).toEqual([]);
    measured.slackFiring = firingSlack.length;
    measured.pdTriggers = triggers.length;
  });

  it('a silence suppresses the storm', async () => {
    // Prepare
    const { deps } = await harness();
    await addSilence(deps, {
      matchers: ['alertname="expectation.failed"'],
      until: new Date(now.getTime() + 3_600_000),
    });
    const t0 = now.getTime();
    // Act
    for (let i = 0; i < 500; i++) {
      now = new Date(t0 + i * 120);
      await recordAlert(deps, config, alertFromEvent(failed(i)));
    }
    let muted = 0;
    for (let minute = 1; minute <= 10; minute++) {
      now = new Date(t0 + minute * 60_000);
      muted += (await flushAlertGroups(deps, config)).muted;
    }
    // Assess
    expect(slack).toEqual([]);
    expect(pdEvents).toEqual([]);
    expect(muted).toBeGreaterThan(0);
  });

  it('a crash between sending and recording opens no second incident, and the next run repairs the record', async () => {
    // Prepare
    const { deps, state } = await harness();
    await recordAlert(deps, config, alertFromEvent(failed(0))); // gold.kpi_daily, error → pager
    now = new Date(now.getTime() + 60_000);
    const crash = { ...deps, afterSend: async () => Promise.reject(new Error('crashed after send')) };
    // Act
    await expect(flushAlertGroups(crash, config)).rejects.toThrow('crashed after send');
    now = new Date(now.getTime() + 30_000); // within the lease: nothing is resent
    const during = await flushAlertGroups(deps, config);
    now = new Date(now.getTime() + 60_000); // the lease is over: taken over, resent, recorded
    const after = await flushAlertGroups(deps, config);
    now = new Date(now.getTime() + 60_000);
    const later = await flushAlertGroups(deps, config);
    // Assess
    const triggers = pdEvents.filter((e) => e.body.event_action === 'trigger');
    expect(triggers).toHaveLength(2);
    expect(triggers[0]?.body.dedup_key).toBe(triggers[1]?.body.dedup_key);
    expect(incidentsOpened).toBe(1);
    expect([during.sent, after.sent, later.sent]).toEqual([0, 1, 0]);
    const claims = await state.query({ pk: 'alert#sent' });
    expect(claims.items.map((i) => (i.value as { status: string }).status)).toEqual(['sent']);
  });

  it('an alarm on the lake storage inhibits the quality and NRT-staleness alerts it causes until it is OK again', async () => {
    // Prepare
    const { deps } = await harness();
    const alarm = (state: 'ALARM' | 'OK'): AlertingEvent =>
      ({
        id: `a-${state}`,
        'detail-type': 'alarm.triggered',
        detail: {
          v: 1,
          alarm_name: 'lake-storage-5xx',
          state,
          severity: 'critical',
          reason: 'S3 5xx above 1%',
        },
      }) as AlertingEvent;
    const silver = failed(2); // silver.orders → slack-quality
    // The NRT staleness alarm lakeops.nrt publishes (refresh-nrt-views' staleAlarm) → slack-data.
    const stale = {
      id: 'nrt-stale',
      'detail-type': 'alarm.triggered',
      detail: {
        v: 1,
        alarm_name: 'nrt-stale#recon_gates',
        state: 'ALARM',
        severity: 'error',
        reason: 'recon_gates is stale',
        service: 'lakeops-nrt',
      },
    } as AlertingEvent;
    // Act
    await recordAlert(deps, config, alertFromEvent(alarm('ALARM')));
    await recordAlert(deps, config, alertFromEvent(silver));
    await recordAlert(deps, config, alertFromEvent(stale));
    now = new Date(now.getTime() + 60_000);
    const during = await flushAlertGroups(deps, config);
    const slackDuring = slack.length;
    now = new Date(now.getTime() + 240_000);
    await recordAlert(deps, config, alertFromEvent(alarm('OK')));
    await recordAlert(deps, config, alertFromEvent(silver));
    await recordAlert(deps, config, alertFromEvent(stale));
    now = new Date(now.getTime() + 60_000);
    await flushAlertGroups(deps, config);
    // Assess
    expect(during.muted).toBe(2);
    expect(slackDuring).toBe(0);
    expect(pdEvents.map((e) => e.body.event_action)).toEqual(['trigger', 'resolve']);
    expect(slack.map((m) => m.body.text.split('\n')[0]).sort()).toEqual([
      expect.stringContaining('[FIRING:1] alertname=alarm.triggered'),
      expect.stringContaining('[FIRING:1] alertname=expectation.failed table=silver.orders'),
    ]);
  });
});
