import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@lakeops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Route } from '../../functions/lib/route.ts';
import { routes } from '../../functions/routes.ts';
import { type Declaration, installSstStub, resolve } from './sst-stub.ts';

let declared: Declaration[];
const allRoutes: readonly Route[] = routes;

beforeAll(async () => {
  declared = installSstStub();
  const { lakeopsApp } = await import('../index.ts');
  lakeopsApp();
});

const subscriptions = () => declared.filter((d) => d.type === 'sst.aws.Bus.subscribe');
const schedules = () => declared.filter((d) => d.type === 'sst.aws.CronV2');

/** What the rule resource ends up with after SST applies our transform. */
function rulePattern(sub: Declaration): unknown {
  const ruleArgs: { eventPattern?: unknown } = {};
  const transform = (sub.args.transform as { rule: (a: typeof ruleArgs) => void }).rule;
  transform(ruleArgs);
  return JSON.parse(String(ruleArgs.eventPattern));
}

describe('stacks generated from functions/routes.ts', () => {
  it('subscribes every event route exactly once, with exactly its pattern', () => {
    const eventRoutes = allRoutes.filter((r) => r.kind === 'event');
    expect(
      subscriptions()
        .map((s) => s.name)
        .sort(),
    ).toEqual(eventRoutes.map((r) => r.id).sort());
    for (const route of eventRoutes) {
      const sub = subscriptions().find((s) => s.name === route.id);
      expect(sub, route.id).toBeDefined();
      if (sub && route.kind === 'event') expect(rulePattern(sub)).toEqual(route.pattern);
    }
  });

  it('schedules every schedule route exactly once, with its expression and time zone', () => {
    const scheduleRoutes = allRoutes.filter((r) => r.kind === 'schedule');
    expect(
      schedules()
        .map((s) => s.name)
        .sort(),
    ).toEqual(scheduleRoutes.map((r) => r.id).sort());
    for (const route of scheduleRoutes) {
      const cron = schedules().find((s) => s.name === route.id);
      expect(cron?.args).toMatchObject({ schedule: route.kind === 'schedule' ? route.schedule : '' });
    }
  });

  it('points every handler at a function file that exports make and handler', async () => {
    for (const d of [...subscriptions(), ...schedules()]) {
      const fn = (d.args.subscriber ?? d.args.function) as { handler: string };
      const [file, exported] = fn.handler.split('.');
      expect(exported).toBe('handler');
      const path = join(repoRoot, `${file}.ts`);
      expect(existsSync(path), path).toBe(true);
      const mod = (await import(path)) as Record<string, unknown>;
      expect(typeof mod.handler, fn.handler).toBe('function');
      expect(typeof mod.make, fn.handler).toBe('function');
    }
  });

  it('grants each function exactly its listed permissions, on Node 24 with a DLQ', () => {
    for (const d of [...subscriptions(), ...schedules()]) {
      const route = allRoutes.find((r) => r.id === d.name);
      const fn = resolve(d.args.subscriber ?? d.args.function) as SstFunctionArgs;
      expect(fn.runtime).toBe('nodejs24.x');
      expect(fn.permissions?.map((p) => p.actions)).toEqual(route?.permissions.map((p) => [...p.actions]));
      // '*' only where AWS has no resource-level permissions (X-Ray).
      for (const p of fn.permissions ?? []) {
        expect(p.resources.every((arn) => typeof arn === 'string')).toBe(true);
        if (p.resources.includes('*'))
          expect(
            p.actions.every((a) => a.startsWith('xray:')),
            p.actions.join(),
          ).toBe(true);
      }
      expect(fn.link ?? []).toEqual([]);
      const functionArgs: Record<string, unknown> = {};
      fn.transform?.function?.(functionArgs);
      expect(resolve(functionArgs)).toEqual({
        deadLetterConfig: { targetArn: 'arn:DeadLetter' },
        tracingConfig: { mode: 'Active' },
      });
    }
  });

  it('sends failed deliveries from every rule to the dead-letter queue', () => {
    for (const sub of subscriptions()) {
      const target: Record<string, unknown> = {};
      (sub.args.transform as { target: (a: typeof target) => void }).target(target);
      expect(resolve(target.deadLetterConfig)).toEqual({ arn: 'arn:DeadLetter' });
    }
  });

  it('never restates a pattern by hand in stacks/', () => {
    // Patterns come from functions/routes.ts only: a literal source or detail-type in a stack
    // file would be a second copy that can drift.
    const files = readdirSync(join(repoRoot, 'stacks')).filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.d.ts'),
    );
    for (const f of files) {
      const text = readFileSync(join(repoRoot, 'stacks', f), 'utf8');
      expect(text, f).not.toMatch(/['"](marketplace|lakeops|aws)\.[a-z]+['"]/);
      expect(text, f).not.toMatch(/['"]detail-type['"]\s*:/);
    }
  });

  it('declares the storage the functions link to', () => {
    const types = declared.map((d) => `${d.type}:${d.name}`);
    expect(types).toEqual(
      expect.arrayContaining([
        'sst.aws.Bus:Events',
        'sst.aws.Queue:DeadLetter',
        'sst.aws.Bucket:Lake',
        'sst.aws.Bucket:AthenaResults',
        'sst.aws.Dynamo:State',
        'aws.glue.CatalogDatabase:LakeDatabase',
        'aws.athena.Workgroup:Athena',
      ]),
    );
  });
});
