import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ExperimentConfigInvalidError, ExperimentNotFoundError } from '../src/errors.ts';
import { ExperimentCatalog } from '../src/flags.ts';

const example = readFileSync(new URL('../../../examples/experiments.json', import.meta.url), 'utf8');

const doc = (values: Record<string, unknown>, flags: Record<string, unknown> = { exp: { name: 'Exp' } }) => ({
  version: '1',
  flags,
  values,
});
const valid = { enabled: true, salt: 's', variants: ['control', 'treatment'], weights: [50, 50] };

describe('ExperimentCatalog', () => {
  it('reads the experiments of an AWS.AppConfig.FeatureFlags document and leaves plain flags alone', () => {
    // Act
    const catalog = ExperimentCatalog.fromJson(example);
    // Assess
    expect(catalog.list().map((e) => e.key)).toEqual(['checkout-cta', 'search-ranking', 'search-ranking-v3']);
    expect(catalog.get('search-ranking')).toMatchObject({
      name: 'Search ranking v2',
      variants: ['control', 'treatment'],
      allocation: 20,
      analysis: 'fixed',
      ranges: [
        { variant: 'control', start: 0, end: 200 },
        { variant: 'treatment', start: 1000, end: 2800 },
      ],
    });
    expect(catalog.get('checkout-cta').guardrails).toContain('refund_rate');
  });

  it.each([
    ['a version other than "1"', { version: '2', flags: {}, values: {} }, 'version must be "1", got "2"'],
    [
      'an unknown top-level property',
      { version: '1', experiments: {} },
      "unknown top-level property 'experiments'",
    ],
    ['a flag key AppConfig refuses', doc({}, { 'Bad key': {} }), "flag key 'Bad key' does not match"],
    [
      'a value without a flag',
      doc({ other: { enabled: true } }),
      'values.other has no flag definition in flags',
    ],
    [
      'enabled missing',
      doc({ exp: { ...valid, enabled: 'yes' } }),
      'values.exp.enabled must be true or false',
    ],
    [
      'an object attribute',
      doc({ exp: { ...valid, meta: { a: 1 } } }),
      'values.exp.meta must be a string, number, boolean or array',
    ],
    [
      'a mixed array',
      doc({ exp: { ...valid, guardrails: ['a', 1] } }),
      'must be an array of strings or an array of numbers',
    ],
    [
      '26 array items',
      doc({ exp: { ...valid, guardrails: Array.from({ length: 26 }, (_, i) => `g${i}`) } }),
      'has 26 items (at most 25)',
    ],
    [
      'one variant',
      doc({ exp: { ...valid, variants: ['control'], weights: [100] } }),
      'at least two variants',
    ],
    [
      'weights not summing to 100',
      doc({ exp: { ...valid, weights: [50, 40] } }),
      'weights sum to 90, not 100',
    ],
    [
      'a weight per variant missing',
      doc({ exp: { ...valid, weights: [100] } }),
      'has 1 numbers for 2 variants',
    ],
    ['three decimals', doc({ exp: { ...valid, weights: [33.333, 66.667] } }), 'at most two decimals'],
    [
      'allocation above 100',
      doc({ exp: { ...valid, allocation: 120 } }),
      'allocation must be a percentage between 0 and 100',
    ],
    ['no salt', doc({ exp: { ...valid, salt: '' } }), 'salt must be a non-empty string'],
    [
      'an unknown analysis',
      doc({ exp: { ...valid, analysis: 'bayes' } }),
      'analysis must be "sequential" or "fixed"',
    ],
    [
      'end before start',
      doc({ exp: { ...valid, start: '2026-02-01', end: '2026-01-01' } }),
      'end is not after start',
    ],
  ])('refuses %s with a clear message', (_label, input, message) => {
    // Act
    const act = () => ExperimentCatalog.fromDocument(input);
    // Assess
    expect(act).toThrow(ExperimentConfigInvalidError);
    expect(act).toThrow(message);
  });

  it('refuses text that is not JSON', () => {
    // Act
    const act = () => ExperimentCatalog.fromJson('{"version": "1",');
    // Assess
    expect(act).toThrow(/^not JSON: /);
  });

  it('names the known experiments when asked for an unknown one, and says when a key is a plain flag', () => {
    // Prepare
    const catalog = ExperimentCatalog.fromJson(example);
    // Act + Assess
    expect(() => catalog.get('nope')).toThrow(ExperimentNotFoundError);
    expect(() => catalog.get('nope')).toThrow(
      "unknown experiment 'nope' (known: checkout-cta, search-ranking, search-ranking-v3)",
    );
    expect(() => catalog.get('dark-mode')).toThrow(
      "'dark-mode' is a feature flag without variants, not an experiment",
    );
  });
});
