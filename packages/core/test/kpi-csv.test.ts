import { describe, expect, it } from 'vitest';
import { KpiCsvInvalidError, parseKpiCsv } from '../src/index.ts';

describe('parseKpiCsv', () => {
  it('reads a GMV file with labels, one series per city, an empty value as a missing day', () => {
    // Act
    const { metric, series } = parseKpiCsv(
      'city,date,value,label\nnyc,2025-01-06,10.5,0\nnyc,2025-01-07,,0\nsf,2025-01-06,3,1\n',
    );
    // Assess
    expect(metric).toBe('gmv');
    expect(series.map((s) => s.series)).toEqual([
      { metric: 'gmv', scope: 'nyc', points: [{ date: '2025-01-06', value: 10.5 }] },
      { metric: 'gmv', scope: 'sf', points: [{ date: '2025-01-06', value: 3 }] },
    ]);
    expect([...(series[1]?.labels ?? [])]).toEqual([['2025-01-06', 1]]);
  });

  it('reads a CTR file without a city as scope all', () => {
    // Act
    const { metric, series } = parseKpiCsv('date,clicks,impressions\r\n2025-01-06,4,100\r\n');
    // Assess
    expect(metric).toBe('ctr');
    expect(series[0]?.series).toEqual({
      metric: 'ctr',
      scope: 'all',
      points: [{ date: '2025-01-06', clicks: 4, impressions: 100 }],
    });
  });

  it.each([
    ['value\n1\n', "line 1: no 'date' column"],
    ['date,x\n', "line 1: need a 'value' column"],
    ['date,value\n2025-13-1,1\n', "line 2: '2025-13-1' is not a YYYY-MM-DD date"],
    ['date,value\n2025-01-06,-3\n', "line 2: value '-3' is not a count"],
    ['date,value,label\n2025-01-06,3,yes\n', 'line 2: label must be 0 or 1'],
  ])('refuses %j with the line', (text, message) => {
    // Act
    const act = () => parseKpiCsv(text);
    // Assess
    expect(act).toThrow(KpiCsvInvalidError);
    expect(act).toThrow(message);
  });

  it('refuses a metric the columns do not hold', () => {
    // Act + Assess
    expect(() => parseKpiCsv('date,value\n', 'ctr')).toThrow(
      "--metric ctr needs 'clicks' and 'impressions' column",
    );
  });
});
