import { describe, expect, it } from 'vitest';
import { checkCompatibility, listSchemas, SchemaUnreadableError } from '../src/index.ts';

const closed = (properties: Record<string, unknown>, required: string[] = []) => ({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  required,
  properties,
});

describe('checkCompatibility', () => {
  it('BACKWARD (default): a new optional field in a closed object is fine, a new required one is not', () => {
    const v1 = closed({ a: { type: 'string' } }, ['a']);
    expect(
      checkCompatibility(v1, closed({ a: { type: 'string' }, b: { type: 'string' } }, ['a'])),
    ).toMatchObject({
      compatible: true,
      mode: 'BACKWARD',
      breaking: [],
    });
    const result = checkCompatibility(
      v1,
      closed({ a: { type: 'string' }, b: { type: 'string' } }, ['a', 'b']),
    );
    expect(result.compatible).toBe(false);
    expect(result.breaking).toEqual([
      {
        type: 'REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL',
        pointer: '/properties/b',
        breaking: true,
        direction: 'BACKWARD',
      },
    ]);
  });

  it('FORWARD compares the other way; FULL needs both', () => {
    const v1 = closed({ a: { type: 'string' } });
    const widened = closed({ a: { type: ['string', 'null'] } });
    expect(checkCompatibility(v1, widened, { mode: 'BACKWARD' }).compatible).toBe(true);
    const forward = checkCompatibility(v1, widened, { mode: 'FORWARD' });
    expect(forward.compatible).toBe(false);
    expect(forward.breaking.map((c) => [c.direction, c.type, c.pointer])).toEqual([
      ['FORWARD', 'TYPE_CHANGED', '/properties/a'], // [string, null] to string: Confluent says TYPE_CHANGED,
    ]);
    expect(checkCompatibility(v1, widened, { mode: 'FULL' }).compatible).toBe(false);
    expect(
      checkCompatibility(v1, closed({ a: { type: 'string', description: 'A.' } }), { mode: 'FULL' }),
    ).toMatchObject({
      compatible: true,
      changes: [
        { type: 'DESCRIPTION_CHANGED', direction: 'BACKWARD' },
        { type: 'DESCRIPTION_CHANGED', direction: 'FORWARD' },
      ],
    });
  });

  it('ignores format and x- annotations, compares const', () => {
    const v1 = closed({ at: { type: 'string', format: 'date-time' }, v: { const: 1 } });
    const v2 = { ...closed({ at: { type: 'string' }, v: { const: 1 } }), 'x-source': 'lakeops.test' };
    expect(checkCompatibility(v1, v2).changes).toEqual([]);
    expect(
      checkCompatibility(v1, closed({ at: { type: 'string' }, v: { const: 2 } })).breaking,
    ).toMatchObject([{ type: 'ENUM_ARRAY_CHANGED', pointer: '/properties/v/const' }]);
  });

  it('follows local $refs, recursive ones included', () => {
    const tree = (leaf: string) => ({
      $defs: {
        node: {
          type: 'object',
          properties: { value: { type: leaf }, children: { type: 'array', items: { $ref: '#/$defs/node' } } },
        },
      },
      $ref: '#/$defs/node',
    });
    expect(checkCompatibility(tree('integer'), tree('number')).compatible).toBe(true);
    expect(checkCompatibility(tree('number'), tree('integer')).breaking).toMatchObject([
      { type: 'TYPE_NARROWED', pointer: '/properties/value' },
    ]);
  });

  it('says which schema it cannot read', () => {
    expect(() => checkCompatibility({}, { $ref: 'https://example.com/x.json' })).toThrow(
      expect.objectContaining({ name: 'SchemaUnreadableError', side: 'update', code: 'SchemaUnreadable' }),
    );
    expect(() => checkCompatibility('nope', {})).toThrow(SchemaUnreadableError);
  });

  it.each(listSchemas())('$detailType v$version is FULL-compatible with itself', ({ schema }) => {
    expect(checkCompatibility(schema, structuredClone(schema), { mode: 'FULL' })).toMatchObject({
      compatible: true,
      changes: [],
    });
  });
});
