import { join } from 'node:path';
import { repoRoot } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';
import { SstPlatformInstallError } from '../../../stacks/synth/platform.ts';
import type { SynthResource } from '../../../stacks/synth/types.ts';
import { infraCommand, makeInfraCommand } from '../src/commands/infra.ts';
import { main } from '../src/main.ts';
import { captureContext } from './capture-context.ts';

const testConfig = join(repoRoot, 'stacks/test/fixtures/sst.test.config.ts');

async function run(args: string[], command = infraCommand) {
  const { ctx, out } = captureContext();
  const code = await main(['infra', ...args], ctx, [command]);
  return { code, ...out };
}

describe('lakeops infra synth', () => {
  it('prints every resource of the app as JSON with --json, the schedule route included', async () => {
    // Act
    const result = await run(['synth', '--json', '--stage', 'cli', '--config', testConfig]);

    // Assess
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const resources = JSON.parse(result.stdout) as SynthResource[];
    const schedules = resources.filter((r) => r.type === 'aws:scheduler/schedule:Schedule');
    const schedule = schedules.find((r) => r.name === 'test-nightlySchedule');
    // nrt-refresh runs on AWS too (CTAS started on Athena): its schedule is deployed.
    expect(schedules.find((r) => r.name === 'nrt-refreshSchedule')).toMatchObject({
      inputs: { scheduleExpression: 'rate(5 minutes)' },
    });
    expect(schedule).toMatchObject({
      name: 'test-nightlySchedule',
      inputs: { scheduleExpression: 'cron(0 3 * * ? *)', scheduleExpressionTimezone: 'Europe/Berlin' },
    });
    const names = resources.map((r) => `${r.type} ${r.name}`);
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(JSON.stringify(resources)).toContain('lakeops-cli-');
  }, 240_000);

  it('prints a table by default: type, name and the key inputs of each resource', async () => {
    // Act
    const result = await run(['synth', '--config', testConfig]);

    // Assess
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^TYPE\s+NAME\s+INPUTS$/);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^aws\.scheduler\.Schedule\s+test-nightlySchedule\s+cron\(0 3 \* \* \? \*\) Europe\/Berlin → /,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^aws\.iam\.Role\s+EventsSubscribertest-big-ordersFunctionRole\s+allows sqs:SendMessage xray:PutTraceSegments xray:PutTelemetryRecords dynamodb:PutItem events:PutEvents s3:GetObject$/,
      ),
    );
    expect(lines.at(-2)).toMatch(/^\d+ resources$/);
  }, 240_000);

  it('exits 1 with the error the stacks threw, in one line', async () => {
    // Act
    const result = await run([
      'synth',
      '--config',
      join(repoRoot, 'stacks/test/fixtures/sst.failing.config.ts'),
    ]);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'lakeops infra: the app failed under the mocks (exit 1): Error: stack bug: planted by sst.failing.config.ts\n',
    );
  }, 240_000);

  it('says what to run when SST’s platform is missing and cannot be installed', async () => {
    // Prepare
    const offline = makeInfraCommand(async () => {
      throw new SstPlatformInstallError(
        'npm pack @oven/bun-linux-x64@1.2.1 failed (is the npm registry reachable?)',
        {
          retryable: true,
        },
      );
    });

    // Act
    const result = await run(['synth'], offline);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('run `npm ci && npm run sst:platform` with the npm registry reachable');
  });

  it.each([
    [['synth', '--stage', 'has space'], "--stage 'has space': use letters, digits and hyphens"],
    [['synth', '--config', 'missing.config.ts'], '--config missing.config.ts: no such file'],
    [['synth', '--jsn'], "Unknown option '--jsn'"],
    [['deploy'], "unknown sub-command 'deploy'"],
    [[], 'missing sub-command: synth'],
  ])('refuses %j in one line, exit 2', async (args, message) => {
    // Prepare
    const never = makeInfraCommand(async () => {
      throw new Error('synthesize must not run on bad usage');
    });

    // Act
    const result = await run(args, never);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(message);
  });

  it('documents itself with --help', async () => {
    // Act
    const result = await run(['--help']);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'Usage: lakeops infra synth [--json] [--stage <stage>] [--config <file>]',
    );
  });
});
