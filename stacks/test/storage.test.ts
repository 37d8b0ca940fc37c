import { nrtRetentionDays, zones } from '@lakeops/core';
import { dsarPurgeIds, tables } from '@lakeops/lake';
import { repoRoot } from '@lakeops/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { type SynthResource, synthesize } from '../synth/index.ts';
import { input, ofType, one, STAGE, synthApp } from './synth-app.ts';

let app: SynthResource[];
beforeAll(async () => {
  app = await synthApp();
}, 180_000);

const databases = () => ofType(app, 'aws:glue/catalogDatabase:CatalogDatabase');
const glueTables = () => ofType(app, 'aws:glue/catalogTable:CatalogTable');
const lakeBucket = () => String(input(one(app, 'aws:s3/bucket:Bucket', 'LakeBucket'), 'bucket'));
const tableNamed = (database: string, name: string) =>
  glueTables().find((t) => t.inputs.databaseName === database && t.inputs.name === name);

interface Rule {
  id: string;
  status: string;
  filter?: { prefix?: string };
  expiration?: { days?: number; expiredObjectDeleteMarker?: boolean };
  noncurrentVersionExpiration?: { noncurrentDays: number };
  abortIncompleteMultipartUpload?: { daysAfterInitiation: number };
}

describe('storage: Glue, Athena and the lake bucket', () => {
  it('declares one Glue database per zone and the staging database, named per stage', () => {
    // Prepare
    const expected = [...zones, 'staging'].map((role) => `lakeops_${STAGE}_${role}`);

    // Act
    const names = databases().map((d) => d.inputs.name);

    // Assess
    expect([...names].sort()).toEqual([...expected].sort());
    expect(databases().map((d) => d.name)).not.toContain('LakeDatabase');
  });

  it('declares a Glue table for every catalog table, with its columns, keys and location', () => {
    // Prepare
    const expected = [...tables, dsarPurgeIds].map((t) => `lakeops_${STAGE}_${t.zone}.${t.name}`);

    // Act
    const declared = glueTables().map((t) => `${t.inputs.databaseName}.${t.inputs.name}`);

    // Assess
    expect([...declared].sort()).toEqual([...expected].sort());
    for (const table of tables) {
      const glue = tableNamed(`lakeops_${STAGE}_${table.zone}`, table.name);
      const id = `${table.zone}.${table.name}`;
      expect(glue?.inputs.tableType, id).toBe('EXTERNAL_TABLE');
      expect(input(glue as SynthResource, 'storageDescriptor', 'location'), id).toBe(
        `s3://${lakeBucket()}/${table.zone}/${table.name}/`,
      );
      expect(input(glue as SynthResource, 'storageDescriptor', 'columns'), id).toEqual(
        table.columns.map((c) => ({
          name: c.name,
          type: c.type === 'integer' ? 'int' : c.type,
          comment: `sensitivity=${c.sensitivity}`,
        })),
      );
      expect(glue?.inputs.partitionKeys ?? [], id).toEqual(
        table.partitionKeys.map((k) => ({ name: k, type: 'string' })),
      );
    }
  });

  it('reads Silver, Gold and NRT as Parquet and Bronze with the OpenX JSON SerDe', () => {
    for (const table of tables) {
      // Prepare
      const glue = tableNamed(`lakeops_${STAGE}_${table.zone}`, table.name) as SynthResource;

      // Act
      const serde = input(glue, 'storageDescriptor', 'serDeInfo', 'serializationLibrary');

      // Assess
      expect(serde, table.name).toBe(
        table.zone === 'bronze'
          ? 'org.openx.data.jsonserde.JsonSerDe'
          : 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
      );
    }
    const events = tableNamed(`lakeops_${STAGE}_bronze`, 'events') as SynthResource;
    expect(input(events, 'storageDescriptor', 'serDeInfo', 'parameters')).toMatchObject({
      'mapping.detail_type': 'detail-type',
    });
  });

  it('projects the Bronze events partitions (dt date to NOW, hour 00–23), so nothing registers them', () => {
    // Prepare
    const events = tableNamed(`lakeops_${STAGE}_bronze`, 'events') as SynthResource;

    // Act
    const parameters = events.inputs.parameters as Record<string, string>;

    // Assess
    expect(parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
      'projection.dt.interval': '1',
      'projection.dt.interval.unit': 'DAYS',
      'projection.hour.type': 'integer',
      'projection.hour.range': '0,23',
      'projection.hour.digits': '2',
      'storage.location.template': `s3://${lakeBucket()}/bronze/events/dt=\${dt}/hour=\${hour}/`,
    });
    expect(parameters['projection.dt.range']).toMatch(/^\d{4}-\d{2}-\d{2},NOW$/);
    // Projected: the Firehose-written Bronze table and the DSAR ids; the others get partitions from the writes.
    const projected = glueTables().filter(
      (t) => (t.inputs.parameters as Record<string, string>)['projection.enabled'],
    );
    expect(projected.map((t) => `${t.inputs.databaseName}.${t.inputs.name}`).sort()).toEqual([
      `lakeops_${STAGE}_bronze.events`,
      `lakeops_${STAGE}_silver_private.dsar_purge_ids`,
    ]);
    // The DSAR ids: `run` comes from each statement's `"run" = '<run>'` (injected projection).
    const ids = tableNamed(`lakeops_${STAGE}_silver_private`, 'dsar_purge_ids');
    expect(ids?.inputs.parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.run.type': 'injected',
      'storage.location.template': `s3://${lakeBucket()}/silver_private/dsar_purge_ids/run=\${run}/`,
    });
  });

  it('has a reads workgroup that enforces its settings and a writes workgroup that does not (CTAS external_location)', () => {
    // Prepare
    const results = String(input(one(app, 'aws:s3/bucket:Bucket', 'AthenaResultsBucket'), 'bucket'));

    // Act
    const reads = one(app, 'aws:athena/workgroup:Workgroup', 'AthenaReads');
    const writes = one(app, 'aws:athena/workgroup:Workgroup', 'AthenaWrites');

    // Assess
    expect(input(reads, 'configuration', 'enforceWorkgroupConfiguration')).toBe(true);
    expect(input(writes, 'configuration', 'enforceWorkgroupConfiguration')).toBe(false);
    for (const wg of [reads, writes]) {
      expect(input(wg, 'configuration', 'resultConfiguration', 'outputLocation')).toBe(
        `s3://${results}/results/`,
      );
      expect(input(wg, 'configuration', 'engineVersion', 'selectedEngineVersion')).toBe(
        'Athena engine version 3',
      );
    }
    expect(ofType(app, 'aws:athena/workgroup:Workgroup')).toHaveLength(2);
  });

  it('expires noncurrent versions bucket-wide, aborts stale uploads, keeps Bronze 30 days and the NRT views 35', () => {
    // Prepare
    const lifecycle = ofType(app, 'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration').filter(
      (l) => l.inputs.bucket === lakeBucket(),
    );

    // Act
    const rules = (lifecycle[0]?.inputs.rules ?? []) as Rule[];
    const wholeBucket = rules.filter((r) => r.status === 'Enabled' && (r.filter?.prefix ?? '') === '');
    const bronze = rules.filter((r) => r.status === 'Enabled' && r.filter?.prefix === 'bronze/');

    // Assess
    expect(lifecycle).toHaveLength(1);
    expect(wholeBucket.map((r) => r.noncurrentVersionExpiration?.noncurrentDays)).toEqual([1]);
    expect(wholeBucket.map((r) => r.abortIncompleteMultipartUpload?.daysAfterInitiation)).toEqual([1]);
    expect(wholeBucket.map((r) => r.expiration)).toEqual([{ expiredObjectDeleteMarker: true }]);
    expect(bronze.map((r) => r.expiration?.days)).toEqual([30]);
    expect(bronze.map((r) => r.noncurrentVersionExpiration?.noncurrentDays)).toEqual([1]);
    // The NRT views' CTAS locations, as long as the local refresh keeps their days.
    const nrt = rules.filter((r) => r.status === 'Enabled' && r.filter?.prefix === '_staging/nrt/');
    expect(nrt.map((r) => r.expiration?.days)).toEqual([nrtRetentionDays]);
    // The lake bucket is versioned: the noncurrent rule is what removes purged rows for good.
    const versioning = ofType(app, 'aws:s3/bucketVersioning:BucketVersioning').find(
      (v) => v.inputs.bucket === lakeBucket(),
    );
    expect(input(versioning as SynthResource, 'versioningConfiguration', 'status')).toBe('Enabled');
  });
});

describe('the lake bucket outlives a replacement', () => {
  it('is force-destroyed only on stages removed anyway: the test stage is one, production is not', async () => {
    // Prepare: the same app as stage `production` (removal: 'retain' in the test config)
    const production = await synthesize({
      root: repoRoot,
      stage: 'production',
      config: 'stacks/test/fixtures/sst.test.config.ts',
    });

    // Act
    const forceDestroy = (resources: readonly SynthResource[]) =>
      input(one(resources, 'aws:s3/bucket:Bucket', 'LakeBucket'), 'forceDestroy');

    // Assess
    expect(forceDestroy(app)).toBe(true);
    expect(forceDestroy(production)).toBe(false);
  }, 180_000);
});
