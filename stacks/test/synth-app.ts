import { repoRoot } from '@lakeops/testing';
import { type SynthResource, synthesize } from '../synth/index.ts';

/** The stage the stack tests synthesize; Glue databases are `lakeops_synth_<zone>`. */
export const STAGE = 'synth';
/** The Slack webhook the tests set as the `SlackWebhookUrl` secret (it must reach no env). */
export const SLACK_WEBHOOK = 'https://hooks.slack.com/services/T000SYNTH/B000SYNTH/synthsecretvalue';

/** The PagerDuty routing key the tests set as the `PagerDutyRoutingKey` secret (it must reach no env). */
export const PAGERDUTY_ROUTING_KEY = 'synthpagerdutyroutingkey0123456';

/** The DSAR salt the tests set as the `DsarSalt` secret (it must reach no env either). */
export const DSAR_SALT = 'synth-dsar-salt-0123456789abcdef';

let app: Promise<SynthResource[]> | undefined;

/** The whole app under Pulumi's mocks (once per test file's worker). */
export function synthApp(): Promise<SynthResource[]> {
  app ??= synthesize({
    root: repoRoot,
    stage: STAGE,
    // sst.config.ts with the test route table: the real routes plus a schedule and an `$or` route.
    config: 'stacks/test/fixtures/sst.test.config.ts',
    secrets: {
      SlackWebhookUrl: SLACK_WEBHOOK,
      DsarSalt: DSAR_SALT,
      PagerDutyRoutingKey: PAGERDUTY_ROUTING_KEY,
    },
  });
  return app;
}

export const ofType = (resources: readonly SynthResource[], type: string) =>
  resources.filter((r) => r.type === type);

/** The one resource of this type and name; fails the test when it is missing or repeated. */
export function one(resources: readonly SynthResource[], type: string, name: string): SynthResource {
  const found = resources.filter((r) => r.type === type && r.name === name);
  if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
  return found[0] as SynthResource;
}

/** A nested input, e.g. `input(r, 'extendedS3Configuration', 'prefix')`. */
export function input(resource: SynthResource, ...path: string[]): unknown {
  let value: unknown = resource.inputs;
  for (const key of path) value = (value as Record<string, unknown> | undefined)?.[key];
  return value;
}

export interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Principal?: { Service?: string | string[]; AWS?: string | string[] };
  readonly Action: string | string[];
  readonly Resource?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

/** The statements of an IAM policy document given as a JSON string input. */
export function statements(policy: unknown): Statement[] {
  if (typeof policy !== 'string') throw new Error(`policy is not a JSON string: ${JSON.stringify(policy)}`);
  const doc = JSON.parse(policy) as { Statement: Statement | Statement[] };
  return Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
}

export const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : [v].flat());

/** `arn:partition:service:region:account:resource` → its parts. */
export function arnParts(arn: string) {
  const [, partition, service, region, account, ...rest] = arn.split(':');
  return { partition, service, region, account, resource: rest.join(':') };
}
