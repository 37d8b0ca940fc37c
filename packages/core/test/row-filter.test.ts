import { describe, expect, it } from 'vitest';
import { parseRowFilter, RowFilterSyntaxError, rowFilterColumns } from '../src/index.ts';

describe('parseRowFilter', () => {
  it.each([
    "city_id IN ('nyc','sfo')",
    "year > 2010 and country != 'US'",
    "(year > 2010 and country = 'US') or (month < 8 and id > 23)",
    "(country between 'Z' and 'U') and (year = 2018)",
    "name LIKE 'a%' AND NOT (status IS NULL)",
    'status IS NOT NULL AND amount <> 0',
    'TRUE',
  ])('accepts the documented subset: %s', (expression) => {
    // Prepare
    // Act
    const parse = () => parseRowFilter(expression);
    // Assess
    expect(parse).not.toThrow();
  });

  it.each([
    ["lower(city_id) = 'nyc'", /function lower\(\)/],
    ['amount > fee_amount', /constants only/],
    ["city_id || 'x' = 'nycx'", /unexpected character '\|'/],
    ['amount + 1 > 2', /unexpected character '\+'/],
    ["city_id = 'nyc' AND", /ends too early/],
    ["city_id = 'nyc", /unterminated/],
    ["city_id IN ('a' 'b')", /close IN/],
  ])('refuses what Lake Formation does not accept: %s', (expression, reason) => {
    // Prepare
    // Act
    const parse = () => parseRowFilter(expression);
    // Assess
    expect(parse).toThrow(RowFilterSyntaxError);
    expect(parse).toThrow(reason);
  });

  it('refuses more than 2,048 characters and accepts exactly 2,048', () => {
    // Prepare
    const exactly = `city_id = '${'x'.repeat(2048 - 12)}'`;
    // Act
    const tooLong = () => parseRowFilter(`${exactly} `);
    // Assess
    expect(exactly).toHaveLength(2048);
    expect(() => parseRowFilter(exactly)).not.toThrow();
    expect(tooLong).toThrow(/2049 characters; Lake Formation allows at most 2048/);
  });

  it('lists the columns a filter reads', () => {
    // Prepare
    const node = parseRowFilter("(city_id = 'lis' OR city_id = 'opo') AND amount BETWEEN 1 AND 2");
    // Act
    const columns = rowFilterColumns(node);
    // Assess
    expect(columns).toEqual(['city_id', 'amount']);
  });
});
