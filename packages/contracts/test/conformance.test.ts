import { readConformance } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';
import { checkCompatibility } from '../src/index.ts';

interface CompatCase {
  id: string;
  description: string;
  original_schema: unknown;
  update_schema: unknown;
  backward_compatible: boolean;
  backward_compatible_lenient?: boolean;
  changes: string[];
}

const { cases } = readConformance<{ cases: CompatCase[] }>('json-schema-compat.json');

/** Confluent writes a location as `#/properties/foo`, the root as `#/`. */
const asConfluent = (type: string, pointer: string) => `${type} #${pointer || '/'}`;

describe('json-schema-compat conformance (Confluent BACKWARD, STRICT)', () => {
  it('has all 262 cases', () => {
    expect(cases).toHaveLength(262);
  });

  for (const c of cases) {
    it(`${c.id}: ${c.description}`, () => {
      // Act
      const result = checkCompatibility(c.original_schema, c.update_schema);
      // Assess
      expect(result.compatible).toBe(c.backward_compatible);
      expect(result.changes.map((d) => asConfluent(d.type, d.pointer)).sort()).toEqual([...c.changes].sort());
      if (c.backward_compatible_lenient !== undefined) {
        const lenient = checkCompatibility(c.original_schema, c.update_schema, { policy: 'lenient' });
        expect(lenient.compatible).toBe(c.backward_compatible_lenient);
      }
    });
  }
});
