import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assignVariant } from '../src/assign.ts';
import { ExperimentCatalog } from '../src/flags.ts';

const catalogOf = (weights: number[], allocation = 100, extra: Record<string, unknown> = {}) =>
  ExperimentCatalog.fromDocument({
    version: '1',
    flags: { exp: { name: 'Exp' } },
    values: {
      exp: {
        enabled: true,
        salt: 'split-test',
        variants: ['control', 'treatment'],
        weights,
        allocation,
        ...extra,
      },
    },
  }).get('exp');

function split(weights: number[]): number[] {
  const experiment = catalogOf(weights);
  const counts = [0, 0];
  for (let i = 0; i < 1_000_000; i++) {
    const a = assignVariant(experiment, `user-${i}`);
    if (a.variant === 'control') counts[0] = (counts[0] ?? 0) + 1;
    else if (a.variant === 'treatment') counts[1] = (counts[1] ?? 0) + 1;
  }
  return counts.map((c) => c / 1_000_000);
}

describe('assignVariant', () => {
  // "Within 0.3 %" is read as 0.3 percentage points of traffic: a relative 0.3 % of a 10 % arm is
  // one binomial standard deviation at 1,000,000 ids (sqrt(0.1 * 0.9 / 1e6) = 0.03 points).
  it.each([{ weights: [50, 50] }, { weights: [10, 90] }])(
    'splits 1,000,000 ids within 0.3 percentage points of the weights $weights',
    ({ weights }) => {
      // Act
      const shares = split(weights);
      // Assess
      const off = shares.map((share, i) => Math.abs(share - (weights[i] as number) / 100));
      expect(Math.max(...off)).toBeLessThan(0.003);
    },
  );

  it('gives the same id the same variant in another process', () => {
    // Prepare
    const ids = Array.from({ length: 2000 }, (_, i) => `cross-${i}`);
    const here = ids.map((id) => assignVariant(catalogOf([50, 50]), id).variant);
    const src = fileURLToPath(new URL('../src/index.ts', import.meta.url));
    const script = `
      import { ExperimentCatalog, assignVariant } from ${JSON.stringify(src)};
      const e = ExperimentCatalog.fromDocument({ version: '1', flags: { exp: {} }, values: { exp: { enabled: true,
        salt: 'split-test', variants: ['control', 'treatment'], weights: [50, 50], allocation: 100 } } }).get('exp');
      const ids = JSON.parse(process.argv[1]);
      process.stdout.write(JSON.stringify(ids.map((id) => assignVariant(e, id).variant)));`;
    // Act
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(ids)], {
      encoding: 'utf8',
    });
    // Assess
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual(here);
    expect(new Set(here)).toEqual(new Set(['control', 'treatment']));
  });

  it('keeps assigned ids in their variant when the allocation is raised from 20 % to 100 %', () => {
    // Prepare
    const ids = Array.from({ length: 20_000 }, (_, i) => `grow-${i}`);
    const before = ids.map((id) => assignVariant(catalogOf([10, 90], 20), id));
    // Act
    const after = ids.map((id) => assignVariant(catalogOf([10, 90], 100), id));
    // Assess
    const moved = before.filter((b, i) => b.inExperiment && after[i]?.variant !== b.variant);
    expect(moved).toEqual([]);
    const inBefore = before.filter((b) => b.inExperiment).length / ids.length;
    expect(inBefore).toBeGreaterThan(0.18);
    expect(inBefore).toBeLessThan(0.22);
  });

  it('assigns nobody when the flag is disabled or outside the start/end window', () => {
    // Prepare
    const off = ExperimentCatalog.fromDocument({
      version: '1',
      flags: { exp: {} },
      values: { exp: { enabled: false, salt: 's', variants: ['a', 'b'], weights: [50, 50] } },
    }).get('exp');
    const windowed = catalogOf([50, 50], 100, { start: '2026-01-01T00:00:00Z', end: '2026-02-01T00:00:00Z' });
    // Act
    const reasons = [
      assignVariant(off, 'u1'),
      assignVariant(windowed, 'u1', '2025-12-31T23:59:59Z'),
      assignVariant(windowed, 'u1', '2026-02-01T00:00:00Z'),
      assignVariant(windowed, 'u1', '2026-01-15T00:00:00Z'),
    ].map((a) => (a.inExperiment ? 'in' : a.reason));
    // Assess
    expect(reasons).toEqual(['disabled', 'not-started', 'ended', 'in']);
  });
});
