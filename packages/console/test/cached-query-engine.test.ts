import type { QueryEngine, Row } from '@lakeops/core';
import { ManualClock } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';
import { cachedQueryEngine } from '../src/index.ts';

/** An engine that counts its queries and answers with the count, or fails while `failing`. */
function countingEngine() {
  const state = { calls: 0, failing: false };
  const engine: QueryEngine = {
    async query(sql) {
      state.calls++;
      if (state.failing) throw new Error('Athena said no');
      return [{ sql, call: state.calls }] as Row[];
    },
    async *stream() {},
    writePartitions: async () => ({ rows: 0, written: [], removed: [] }),
    rewritePartitions: async () => [],
    restorePartitions: async () => {},
    close: async () => {},
  };
  return { engine, state };
}

describe('cachedQueryEngine', () => {
  it('answers a query from the cache within the refresh period, asks again after it, and shares one execution', async () => {
    // Prepare
    const clock = new ManualClock('2026-12-01T10:00:00Z');
    const { engine, state } = countingEngine();
    const cached = cachedQueryEngine(engine, { ttlSeconds: 300, clock });
    // Act
    const [a, b] = await Promise.all([cached.query('SELECT 1'), cached.query('SELECT 1')]);
    clock.advance(299);
    const c = await cached.query('SELECT 1');
    const other = await cached.query('SELECT 2');
    clock.advance(1);
    const d = await cached.query('SELECT 1');
    // Assess
    expect([a, b, c].map((r) => r[0]?.call)).toEqual([1, 1, 1]);
    expect(other[0]?.call).toBe(2);
    expect(d[0]?.call).toBe(3);
    expect(state.calls).toBe(3);
  });

  it('does not keep a failure', async () => {
    // Prepare
    const clock = new ManualClock('2026-12-01T10:00:00Z');
    const { engine, state } = countingEngine();
    const cached = cachedQueryEngine(engine, { ttlSeconds: 300, clock });
    state.failing = true;
    // Act
    const failed = await cached.query('SELECT 1').catch((e: Error) => e.message);
    state.failing = false;
    const retried = await cached.query('SELECT 1');
    // Assess
    expect(failed).toBe('Athena said no');
    expect(retried[0]?.call).toBe(2);
  });
});
