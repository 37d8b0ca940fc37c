import type { AlarmTriggeredV1, ContractEvent, DeployFailedV1 } from '@lakeops/contracts';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type EventRoute,
  type PinnedPair,
  patternAlternatives,
  pinnedContracts,
  type RouteEvent,
} from '../lib/route.ts';

const route = (pattern: EventRoute['pattern']): EventRoute => ({
  id: 'r',
  kind: 'event',
  description: '',
  function: 'notify',
  timeoutSeconds: 1,
  memoryMB: 128,
  permissions: [],
  pattern,
});

describe('route patterns', () => {
  it('expands $or with its siblings, nested too', () => {
    expect(
      patternAlternatives({ source: ['s'], $or: [{ a: [1] }, { $or: [{ b: [2] }, { c: [3] }] }] }),
    ).toEqual([
      { source: ['s'], a: [1] },
      { source: ['s'], b: [2] },
      { source: ['s'], c: [3] },
    ]);
    expect(patternAlternatives({ source: ['s'] })).toEqual([{ source: ['s'] }]);
  });

  it('reads the pinned (detail-type, v) pairs, per alternative', () => {
    expect(
      pinnedContracts(
        route({
          source: ['marketplace.deploy'],
          $or: [
            { 'detail-type': ['deploy.failed'], detail: { v: [1, 2] } },
            { 'detail-type': ['deploy.succeeded'], detail: { v: [1] } },
            { 'detail-type': ['unpinned'] },
          ],
        }),
      ),
    ).toEqual([
      { detailType: 'deploy.failed', version: 1 },
      { detailType: 'deploy.failed', version: 2 },
      { detailType: 'deploy.succeeded', version: 1 },
    ]);
  });

  it('reads the same pins at the type level, through $or and siblings (checked by tsc)', () => {
    // Prepare
    const typed = {
      kind: 'event',
      pattern: {
        source: ['marketplace.deploy'],
        detail: { v: [1] },
        $or: [
          { 'detail-type': ['deploy.failed'] },
          { $or: [{ 'detail-type': ['alarm.triggered'] }, { 'detail-type': ['unpinned'], detail: {} }] },
        ],
      },
    } as const;
    // Assess
    expectTypeOf<PinnedPair<typeof typed>>().toEqualTypeOf<['deploy.failed', 1] | ['alarm.triggered', 1]>();
    expectTypeOf<RouteEvent<typeof typed>>().toEqualTypeOf<
      ContractEvent<'deploy.failed', DeployFailedV1> | ContractEvent<'alarm.triggered', AlarmTriggeredV1>
    >();
    expect(patternAlternatives(typed.pattern)).toHaveLength(3);
  });
});
