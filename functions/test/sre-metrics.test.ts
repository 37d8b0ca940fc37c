import { Logger } from '@aws-lambda-powertools/logger';
import { aDeployFailedEvent, anEvent, InMemoryDeadLetter, RecordingNotifier } from '@lakeops/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { lambdaContext } from '../lib/lambda-context.ts';
import { metrics, powertoolsOpsMetrics } from '../lib/observability.ts';
import { make as makeDeploy } from '../notify.ts';
import { routeById } from '../routes.ts';
import { make as makeWaf } from '../sre-waf-metrics.ts';

// The SRE metrics as Powertools writes them (CloudWatch EMF on stdout), with the logs of the same
// invocation captured at DEBUG: what reaches CloudWatch is exactly what this test reads.

const saved = { ...process.env };
let lines: string[] = [];
beforeEach(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  process.env.POWERTOOLS_DEV = 'false';
  lines = [];
  const capture = (chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
});
afterEach(() => {
  process.env = { ...saved };
  vi.restoreAllMocks();
});

interface Emf {
  _aws: {
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [k: string]: unknown;
}
const emf = (): Emf[] =>
  lines
    .join('')
    .split('\n')
    .filter((l) => l.includes('"CloudWatchMetrics"'))
    .map((l) => JSON.parse(l) as Emf);

const logger = () => new Logger({ serviceName: 'lakeops-test', logLevel: 'DEBUG' });

describe('SRE metrics', () => {
  it('counts a WAF block per rule and country, and no client address reaches a log line or a metric', async () => {
    // Prepare: the forwarder sent the client's addresses in fields the contract does not know
    const event = anEvent('waf.block', 'marketplace.edge', {
      v: 1,
      blocked_at: '2026-12-01T10:00:00Z',
      web_acl: 'edge-acl',
      rule_id: 'AWSManagedRulesSQLiRuleSet',
      action: 'BLOCK',
      country: 'DE',
      count: 3,
      client_ip: '203.0.113.77',
      http_request: {
        clientIp: '2001:db8::7',
        headers: [{ name: 'X-Forwarded-For', value: '198.51.100.23' }],
      },
    });
    const handler = makeWaf({
      metrics: powertoolsOpsMetrics(),
      deadLetter: new InMemoryDeadLetter(),
      observability: { logger: logger(), metrics },
    });
    // Act
    const result = await handler(event, lambdaContext(routeById('sre-waf-metrics'), event.id));
    // Assess
    expect(result).toMatchObject({
      status: 'processed',
      result: { rule: 'AWSManagedRulesSQLiRuleSet', country: 'DE', count: 3 },
    });
    const waf = emf().find((d) => d._aws.CloudWatchMetrics[0]?.Metrics.some((m) => m.Name === 'WafBlocks'));
    expect(waf).toMatchObject({ WafBlocks: 3, rule: 'AWSManagedRulesSQLiRuleSet', country: 'DE' });
    expect(waf?._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'lakeops',
      Dimensions: [['rule', 'country']],
      Metrics: [{ Name: 'WafBlocks', Unit: 'Count' }],
    });
    const everything = lines.join('');
    expect(everything).toContain('/client_ip'); // the unknown field is named…
    for (const address of ['203.0.113.77', '2001:db8::7', '198.51.100.23'])
      expect(everything).not.toContain(address);
  });

  it('records deploy count, failure and duration by service as one EMF document', async () => {
    // Prepare
    const event = aDeployFailedEvent({}, 'evt-metrics');
    const handler = makeDeploy({
      notifiers: { fallback: new RecordingNotifier() },
      metrics: powertoolsOpsMetrics(),
      clock: { now: () => new Date('2026-12-01T12:00:00Z') },
      deadLetter: new InMemoryDeadLetter(),
      observability: { logger: logger(), metrics },
    });
    // Act
    await handler(event, lambdaContext(routeById('notify-deploy'), event.id));
    // Assess
    const deploy = emf().find((d) => 'Deploys' in d);
    expect(deploy).toMatchObject({
      Deploys: 1,
      DeployFailed: 1,
      DeployDuration: expect.any(Number),
      service: event.detail.service,
    });
    expect(deploy?._aws.CloudWatchMetrics[0]?.Metrics).toEqual([
      { Name: 'Deploys', Unit: 'Count' },
      { Name: 'DeployFailed', Unit: 'Count' },
      { Name: 'DeployDuration', Unit: 'Milliseconds' },
    ]);
    expect(deploy?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service']]);
  });
});
