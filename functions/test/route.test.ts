import { describe, expect, it } from 'vitest';
import { type EventRoute, patternAlternatives, pinnedContracts } from '../lib/route.ts';

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
});
