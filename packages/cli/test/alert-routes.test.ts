import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anEvent } from '@lakeops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/main.ts';
import { captureContext } from './capture-context.ts';

// The alerting routes of functions/routes.ts run by the local platform, end to end: events go
// through `put-events` (the route table's patterns, the contract check, the CloudWatch
// normaliser) into `alert-record`, and each `lakeops run alert-flush` is a new runtime reading
// the groups from the SQLite state (nothing kept in memory between runs, as on Lambda); Slack
// and PagerDuty are HTTP servers on 127.0.0.1.

const config = `
route:
  receiver: slack
  group_by: [alertname, table, alarm, metric]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - matchers: ['severity="critical"']
      receiver: pager
receivers:
  - name: slack
    slack_configs:
      - channel: '#data'
        send_resolved: true
  - name: pager
    pagerduty_configs:
      - routing_key_file: /run/secrets/pd
`;

let server: Server;
let base: string;
const slack: string[] = [];
const pager: { event_action: string; dedup_key: string; payload?: { summary: string } }[] = [];

beforeAll(async () => {
  server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    if (req.url === '/slack') {
      slack.push((JSON.parse(body) as { text: string }).text);
      res.writeHead(200).end('ok');
    } else {
      pager.push(JSON.parse(body));
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"success"}');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

/** A "CloudWatch Alarm State Change" as EventBridge delivers it (AWS docs' shape). */
function cloudWatch(state: 'ALARM' | 'OK') {
  return {
    ...anEvent('CloudWatch Alarm State Change', 'aws.cloudwatch', {
      alarmName: 'lake-athena-errors',
      state: {
        value: state,
        reason: `Threshold crossed (${state})`,
        timestamp: '2026-12-01T10:00:00.000+0000',
      },
      previousState: { value: state === 'OK' ? 'ALARM' : 'OK', reason: 'before' },
      configuration: {
        description: 'Athena query failures [critical]',
        metrics: [
          { id: 'm1', metricStat: { metric: { namespace: 'AWS/Athena', name: 'Errors', dimensions: {} } } },
        ],
      },
    }),
    resources: ['arn:aws:cloudwatch:eu-west-1:000000000000:alarm:lake-athena-errors'],
  };
}

const kpi = {
  v: 1,
  metric: 'gmv',
  dt: '2026-12-01',
  observed: 81234.5,
  baseline: 112000,
  delta_pct: -27.47,
  direction: 'down',
  severity: 'critical',
  threshold_pct: 20,
  baseline_days: 7,
  segment: 'city=berlin',
  detected_at: '2026-12-01T11:00:03Z',
};
const stale = (state: 'ALARM' | 'OK') => ({
  v: 1,
  alarm_name: 'nrt-stale#recon_gates',
  state,
  previous_state: state === 'OK' ? 'ALARM' : 'OK',
  severity: state === 'OK' ? 'info' : 'error',
  reason: state === 'OK' ? 'fresh again' : 'stale: last current 1200 s ago (limit 900 s)',
  service: 'lakeops-nrt',
  metric: 'lakeops/nrt/freshness_lag_seconds',
});

const firing = [
  anEvent('expectation.failed', 'lakeops.quality', {
    v: 1,
    run_id: 'qr-1',
    suite: 'silver_payments',
    table: 'silver.fact_payments',
    expectation: 'expect_column_values_to_not_be_null(booking_id)',
    severity: 'error',
    observed: 12,
  }),
  anEvent('kpi.anomaly.detected', 'lakeops.kpi', kpi),
  anEvent('alarm.triggered', 'lakeops.nrt', stale('ALARM')),
  cloudWatch('ALARM'),
];
const {
  severity: _s,
  direction: _d,
  threshold_pct: _t,
  baseline_days: _b,
  detected_at: _a,
  ...resolvedKpi
} = kpi;
const resolving = [
  anEvent('kpi.anomaly.resolved', 'lakeops.kpi', { ...resolvedKpi, resolved_at: '2026-12-01T12:00:00Z' }),
  anEvent('alarm.triggered', 'lakeops.nrt', stale('OK')),
  cloudWatch('OK'),
];

describe('the alerting routes under the local platform', () => {
  it('records every kind of alert event, sends due groups from a fresh runtime each minute, once, and resolves them', async () => {
    // Prepare
    const home = await mkdtemp(join(tmpdir(), 'lakeops-alert-routes-'));
    const configFile = join(home, 'routing.yml');
    await writeFile(configFile, config);
    await writeFile(join(home, 'firing.jsonl'), firing.map((e) => JSON.stringify(e)).join('\n'));
    await writeFile(join(home, 'resolving.jsonl'), resolving.map((e) => JSON.stringify(e)).join('\n'));
    const env = {
      LAKEOPS_HOME: home,
      LAKEOPS_ALERTING_CONFIG: configFile,
      SLACK_WEBHOOK_URL: `${base}/slack`,
      PAGERDUTY_ROUTING_KEY: 'rk-test',
      PAGERDUTY_EVENTS_URL: `${base}/v2/enqueue`,
    };
    const run = async (...args: string[]) => {
      const { ctx, out } = captureContext({ env });
      const code = await main(args, ctx);
      return { code, ...out };
    };

    // Act
    const put = await run('put-events', join(home, 'firing.jsonl'));
    const first = await run('run', 'alert-flush');
    const slackAfterFirst = [...slack];
    const pagerAfterFirst = [...pager];
    const again = await run('run', 'alert-flush');
    const sentAfterAgain = slack.length + pager.length;
    const putResolved = await run('put-events', join(home, 'resolving.jsonl'));
    await new Promise((r) => setTimeout(r, 1100)); // group_interval: 1s
    const last = await run('run', 'alert-flush');

    // Assess
    expect(put.code, put.stdout + put.stderr).toBe(0);
    expect(put.stdout.match(/→ alert-record: processed/g)).toHaveLength(4);
    expect(putResolved.code, putResolved.stdout + putResolved.stderr).toBe(0);
    expect([first.code, again.code, last.code]).toEqual([0, 0, 0]);
    // Critical (KPI, CloudWatch [critical]) pages; the rest goes to Slack, one message per group.
    expect(pagerAfterFirst.map((e) => e.event_action)).toEqual(['trigger', 'trigger']);
    expect(pagerAfterFirst.map((e) => e.payload?.summary).join(' ')).toMatch(/gmv \(city=berlin\)/);
    expect(pagerAfterFirst.map((e) => e.payload?.summary).join(' ')).toMatch(/lake-athena-errors/);
    expect(slackAfterFirst).toHaveLength(2);
    expect(slackAfterFirst.join('\n')).toContain('silver.fact_payments');
    expect(slackAfterFirst.join('\n')).toContain('nrt-stale#recon_gates');
    // The second flush, in a new runtime, sends nothing again.
    expect(sentAfterAgain).toBe(slackAfterFirst.length + pagerAfterFirst.length);
    // Resolves: PagerDuty resolve per dedup key it triggered, a Slack follow-up for the NRT view.
    const resolves = pager.filter((e) => e.event_action === 'resolve');
    expect(resolves.map((e) => e.dedup_key).sort()).toEqual(pagerAfterFirst.map((e) => e.dedup_key).sort());
    const followUps = slack.slice(slackAfterFirst.length);
    expect(followUps).toHaveLength(1);
    expect(followUps[0]).toMatch(/^Resolved: .*alarm=nrt-stale#recon_gates/);
    expect(pager).toHaveLength(4);
  }, 60_000);
});
