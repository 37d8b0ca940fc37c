import { describe, expect, it } from 'vitest';
import { chiSquareSf, normalIsf, normalSf, studentTIsf, studentTTwoSided } from '../src/stats/special.ts';
import { RELATIVE, reference } from './reference.ts';

const rel = (a: number, b: number) => (b === 0 ? Math.abs(a) : Math.abs(a - b) / Math.abs(b));
const d = reference.distributions;

describe('special functions against SciPy (1e-9 relative)', () => {
  it.each(d.t_two_sided)('two-sided Student t tail at t = %d, df = %d', (t, df, expected) => {
    // Act + Assess
    expect(rel(studentTTwoSided(t, df), expected)).toBeLessThan(RELATIVE);
  });

  it.each(d.t_isf)('Student t quantile at q = %d, df = %d', (q, df, expected) => {
    // Act + Assess
    expect(rel(studentTIsf(q, df), expected)).toBeLessThan(RELATIVE);
  });

  it.each(d.normal_sf)('normal tail at z = %d', (z, expected) => {
    // Act + Assess
    expect(rel(normalSf(z), expected)).toBeLessThan(RELATIVE);
  });

  it.each(d.normal_isf)('normal quantile at q = %d', (q, expected) => {
    // Act + Assess
    expect(rel(normalIsf(q), expected)).toBeLessThan(RELATIVE);
  });

  it.each(d.chi_square_sf)('chi-square tail at x = %d, df = %d', (x, df, expected) => {
    // Act + Assess
    expect(rel(chiSquareSf(x, df), expected)).toBeLessThan(RELATIVE);
  });
});
