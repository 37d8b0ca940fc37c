import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  exportName,
  functionsDir,
  ROUTE_VALIDATORS_FILE,
  routeValidators,
} from '../codegen/route-validators.ts';
import type { Route } from '../lib/route.ts';

const route = (id: string, pattern: Record<string, unknown>): Route => ({
  id,
  kind: 'event',
  description: '',
  function: 'notify',
  timeoutSeconds: 1,
  memoryMB: 128,
  permissions: [],
  pattern,
});

describe('routes.validators.generated.ts (the validators of each route)', () => {
  it('is up to date with functions/routes.ts (run node functions/codegen/route-validators.ts)', () => {
    // Act
    const content = routeValidators();
    // Assess
    expect(readFileSync(join(functionsDir, ROUTE_VALIDATORS_FILE), 'utf8')).toBe(content);
  });

  it("imports exactly the validators of each route's pinned contracts, one module each", () => {
    // Prepare
    const table = [
      route('alarms-and-deploys', {
        $or: [
          { 'detail-type': ['alarm.triggered'], detail: { v: [1] } },
          { 'detail-type': ['deploy.failed'], detail: { v: [1] } },
        ],
      }),
      route('unpinned', { source: ['marketplace.deploy'] }),
    ];
    // Act
    const text = routeValidators(table);
    // Assess
    const imports = text.split('\n').filter((l) => l.startsWith('import {'));
    expect(imports).toEqual([
      "import { alarmTriggeredV1 } from '@lakeops/contracts/validators/alarm.triggered.v1';",
      "import { deployFailedV1 } from '@lakeops/contracts/validators/deploy.failed.v1';",
    ]);
    expect(text).toContain(
      "export const alarmsAndDeploys: RouteValidators<RouteById<'alarms-and-deploys'>> = {\n" +
        "  'alarm.triggered': { 1: alarmTriggeredV1 },\n  'deploy.failed': { 1: deployFailedV1 },\n};",
    );
    expect(text).toContain("export const unpinned: RouteValidators<RouteById<'unpinned'>> = {\n};");
    expect(exportName('dsar.purge-intake')).toBe('dsarPurgeIntake');
  });
});
