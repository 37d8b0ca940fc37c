import { describe, expect, it } from 'vitest';
import { StatsInputInvalidError } from '../src/errors.ts';
import { analyzeMetric, parseUnitCsv, type UnitRow } from '../src/stats/analyze.ts';
import { reference, relativeErrors } from './reference.ts';

const rowsOf = (control: number[], treatment: number[], pre?: [number[], number[]]): UnitRow[] => [
  ...control.map((value, i) => ({ variant: 'control', value, ...(pre ? { pre: pre[0][i] as number } : {}) })),
  ...treatment.map((value, i) => ({
    variant: 'treatment',
    value,
    ...(pre ? { pre: pre[1][i] as number } : {}),
  })),
];

describe('analyzeMetric', () => {
  it('compares means with Welch t, as SciPy does, and names each variant with n and mean', () => {
    // Prepare
    const c = reference.welch_data[0];
    if (!c) throw new Error('fixture');
    // Act
    const result = analyzeMetric(rowsOf(c.control, c.treatment), { metricType: 'mean' });
    // Assess
    expect(Object.keys(result).slice(0, 9)).toEqual([
      'variants',
      'control',
      'treatment',
      'delta',
      'relative_delta',
      'ci_low',
      'ci_high',
      'p_value',
      'method',
    ]);
    expect(result.variants.control?.n).toBe(400);
    expect(result.method).toBe('welch-t');
    expect(result.variance_reduction).toBeNull();
    const { delta, p_value, ci_low, ci_high } = c.expected;
    expect(
      relativeErrors(result as unknown as Record<string, unknown>, { delta, p_value, ci_low, ci_high }),
    ).toEqual({});
  });

  it('applies CUPED from pre_value and reports the variance reduction SciPy finds', () => {
    // Prepare
    const c = reference.cuped[0];
    if (!c) throw new Error('fixture');
    const rows = rowsOf(c.control.value, c.treatment.value, [c.control.pre, c.treatment.pre]);
    // Act
    const plain = analyzeMetric(rows, { metricType: 'mean' });
    const result = analyzeMetric(rows, { metricType: 'mean', cuped: true });
    // Assess
    const { delta, p_value, ci_low, ci_high, variance_reduction, theta } = c.expected;
    expect(
      relativeErrors(result as unknown as Record<string, unknown>, {
        delta,
        p_value,
        ci_low,
        ci_high,
        variance_reduction,
        theta,
      }),
    ).toEqual({});
    expect(result.method).toBe('cuped-welch-t');
    expect(result.ci_high - result.ci_low).toBeLessThan((plain.ci_high - plain.ci_low) * 0.7);
  });

  it('compares 0/1 values with the two-proportion z-test, as statsmodels does', () => {
    // Prepare
    const c = reference.proportions[0];
    if (!c) throw new Error('fixture');
    const ones = (k: number, n: number) => Array.from({ length: n }, (_, i) => (i < k ? 1 : 0));
    // Act
    const result = analyzeMetric(
      rowsOf(ones(c.control.successes, c.control.n), ones(c.treatment.successes, c.treatment.n)),
      {
        metricType: 'proportion',
      },
    );
    // Assess
    const { delta, p_value, ci_low, ci_high } = c.expected;
    expect(
      relativeErrors(result as unknown as Record<string, unknown>, { delta, p_value, ci_low, ci_high }),
    ).toEqual({});
    expect(result.method).toBe('two-proportion-z');
  });

  it('gives a wider, always-valid interval with sequential', () => {
    // Prepare
    const c = reference.welch_data[3];
    if (!c) throw new Error('fixture');
    // Act
    const result = analyzeMetric(rowsOf(c.control, c.treatment), { metricType: 'mean', sequential: true });
    // Assess
    expect(relativeErrors(result as unknown as Record<string, unknown>, c.sequential)).toEqual({});
    expect(result.method).toBe('sequential-normal-mixture');
  });

  it('adds the sample-ratio-mismatch check when given the declared weights (SciPy chisquare)', () => {
    // Prepare: 10,500 vs 9,500 users under 50/50
    const c = reference.srm.find((s) => s.observed.join('/') === '10500/9500');
    if (!c) throw new Error('fixture');
    const values = (n: number) => Array.from({ length: n }, (_, i) => i % 7);
    const rows = rowsOf(values(10_500), values(9_500));
    // Act
    const checked = analyzeMetric(rows, { metricType: 'mean', weights: [50, 50] });
    const unchecked = analyzeMetric(rows, { metricType: 'mean' });
    // Assess
    expect(
      relativeErrors(checked as unknown as Record<string, unknown>, { srm_p_value: c.expected.p_value }),
    ).toEqual({});
    expect(checked.srm_mismatch).toBe(true);
    expect('srm_p_value' in unchecked).toBe(false);
  });

  it.each<[string, UnitRow[], 'mean' | 'proportion', boolean, string]>([
    [
      'one variant',
      [
        { variant: 'a', value: 1 },
        { variant: 'a', value: 2 },
      ],
      'mean',
      false,
      "one variant ('a'); a comparison needs two",
    ],
    [
      'three variants',
      [
        { variant: 'a', value: 1 },
        { variant: 'b', value: 2 },
        { variant: 'c', value: 2 },
      ],
      'mean',
      false,
      '3 variants (a, b, c)',
    ],
    [
      'a proportion of 2',
      [
        { variant: 'a', value: 1 },
        { variant: 'b', value: 2 },
      ],
      'proportion',
      false,
      "a proportion's values are 0 or 1, got 2",
    ],
    [
      'CUPED without pre_value',
      [
        { variant: 'a', value: 1 },
        { variant: 'b', value: 2 },
      ],
      'mean',
      true,
      'CUPED needs a pre_value for every unit',
    ],
  ])('refuses %s', (_label, rows, metricType, cuped, message) => {
    // Act
    const act = () => analyzeMetric(rows, { metricType, cuped });
    // Assess
    expect(act).toThrow(StatsInputInvalidError);
    expect(act).toThrow(message);
  });
});

describe('parseUnitCsv', () => {
  it('reads variant,value[,pre_value] with or without a header', () => {
    // Act
    const rows = parseUnitCsv('variant,value,pre_value\ncontrol,1.5,2\ntreatment, 3 ,4\n\n');
    // Assess
    expect(rows).toEqual([
      { variant: 'control', value: 1.5, pre: 2 },
      { variant: 'treatment', value: 3, pre: 4 },
    ]);
  });

  it.each([
    ['', 'no rows'],
    ['variant,value\n', 'no rows'],
    ['variant,value\ncontrol,\n', 'line 2: empty value'],
    ['control,abc\n', "line 1: value 'abc' is not a number"],
    ['control,1,x\n', "line 1: pre_value 'x' is not a number"],
    ['control\n', 'line 1: expected variant,value[,pre_value], got 1 field(s)'],
    ['control,NaN\n', "line 1: value 'NaN' is not a number"],
  ])('refuses %j: %s', (text, message) => {
    // Act
    const act = () => parseUnitCsv(text);
    // Assess
    expect(act).toThrow(StatsInputInvalidError);
    expect(act).toThrow(message);
  });
});
