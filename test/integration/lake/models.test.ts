import { listSchemas } from '@lakeops/contracts';
import {
  eventsNotModelled,
  eventsReadBy,
  loadModels,
  marketplaceDetailTypes,
  unreadSchemaVersions,
} from '@lakeops/lake';
import { describe, expect, it } from 'vitest';

describe('models and the event contracts', () => {
  it('read every version of every event schema they read, each through a v filter', async () => {
    // Prepare
    const models = await loadModels();
    // Act
    const problems = unreadSchemaVersions(models, listSchemas());
    // Assess
    expect(problems).toEqual([]);
  });

  it('report a schema version no model reads, a read without a v filter and a version with no schema', async () => {
    // Prepare: a v2 of review.submitted appears; one model forgets its filter; one reads a v3.
    const models = await loadModels();
    const schemas = [...listSchemas(), { detailType: 'review.submitted', version: 2 }];
    const edited = models.map((m) =>
      m.name === 'silver.fact_payments'
        ? { ...m, sql: m.sql.replace(/ AND json_extract_scalar\(detail, '\$\.v'\) IN \('1'\)/, '') }
        : m.name === 'silver.fact_refunds'
          ? { ...m, sql: m.sql.replace("IN ('1')", "IN ('1', '3')") }
          : m,
    );
    // Act
    const problems = unreadSchemaVersions(edited, schemas);
    // Assess
    // (payment.captured v1 is still read with a filter by nrt.recon_gates.)
    expect(problems.sort()).toEqual([
      'review.submitted v2 has a schema but no model reads it',
      'silver.fact_payments reads payment.captured without filtering on v',
      'silver.fact_refunds reads refund.issued v3, which has no schema',
    ]);
  });

  it('model every event the synthetic marketplace emits, or say why not', async () => {
    // Prepare
    const models = await loadModels();
    // Act
    const read = new Set(models.flatMap((m) => eventsReadBy(m.sql).map((r) => r.detailType)));
    // Assess
    expect(marketplaceDetailTypes.filter((t) => !read.has(t) && !(t in eventsNotModelled))).toEqual([]);
    expect(Object.keys(eventsNotModelled).filter((t) => read.has(t))).toEqual([]);
  });

  it('finds the detail-type and versions in a model', () => {
    // Act
    const reads = eventsReadBy(
      "-- detail_type = 'ignored'\nWHERE detail_type = 'a.b' AND json_extract_scalar(detail, '$.v') IN ('1', '2')",
    );
    // Assess
    expect(reads).toEqual([{ detailType: 'a.b', versions: [1, 2] }]);
  });
});
