import type { TableDefinition } from '@lakeops/core';
import {
  dsarPurgeIds,
  type GlueDatabaseRole,
  glueDatabaseName,
  glueDatabasePrefix,
  glueDatabaseRoles,
  hiveType,
  tables,
} from '@lakeops/lake';

/**
 * Days Bronze keeps an object (`bronze/` in the lake bucket) before S3 expires it; the raw events
 * are re-derivable only from the producers after that. The one place this number is set.
 */
export const BRONZE_RETENTION_DAYS = 30;

/**
 * Days a noncurrent object version survives. A DSAR purge rewrites partitions and deletes the old
 * objects; with versioning on, the old bytes (and the deleted person's rows) live on as noncurrent
 * versions until this rule removes them.
 */
export const NONCURRENT_VERSION_DAYS = 1;

/**
 * Days an NRT view's partition is kept after its last write: its files live where its CTAS put them
 * (`_staging/nrt/`, the Glue partition points there), which this lifecycle rule expires. The local
 * refresh removes the same days itself (`nrtRetentionDays` of @lakeops/core; the stacks test checks
 * both agree).
 */
export const NRT_RETENTION_DAYS = 35;

/** First day the Bronze table's `dt` projection covers (Firehose writes nothing older). */
export const BRONZE_PROJECTION_START = '2026-01-01';

export interface StorageOptions {
  /** Bronze retention in days; {@link BRONZE_RETENTION_DAYS} unless a stage overrides it. */
  readonly bronzeRetentionDays?: number;
}

/**
 * Storage: the lake bucket (S3, Hive partitions) and its lifecycle, Athena results, one Glue
 * database per zone plus the CTAS staging database with a table per catalog table, the Athena
 * workgroups (reads enforce their settings; writes do not, so CTAS may set `external_location`),
 * and the state table.
 */
export function storageStack(options: StorageOptions = {}) {
  // SST buckets default to forceDestroy: a replacement would first empty the lake. Only stages that
  // are removed anyway (`removal: 'remove'`) may destroy a non-empty lake bucket.
  const lake = new sst.aws.Bucket('Lake', {
    versioning: true,
    transform: { bucket: { forceDestroy: $app.removal === 'remove' } },
  });
  const lifecycle = lakeLifecycle(lake, options.bronzeRetentionDays ?? BRONZE_RETENTION_DAYS);
  const athenaResults = new sst.aws.Bucket('AthenaResults');
  const prefix = glueDatabasePrefix($app.stage);
  const glueDatabases = Object.fromEntries(
    glueDatabaseRoles.map((role) => [
      role,
      new aws.glue.CatalogDatabase(`GlueDatabase${pascal(role)}`, {
        name: glueDatabaseName(prefix, role),
        description:
          role === 'staging'
            ? 'lakeops: CTAS results before the partition switch'
            : `lakeops: the ${role} zone of the lake`,
      }),
    ]),
  ) as Record<GlueDatabaseRole, aws.glue.CatalogDatabase>;
  // The DSAR purge's ids table too: Athena joins a run's ids from it (`run` injected, see below).
  const glueTables = [...tables, dsarPurgeIds].map((table) =>
    glueTable(table, glueDatabases[table.zone].name, $interpolate`s3://${lake.name}/`),
  );
  const results = $interpolate`s3://${athenaResults.name}/results/`;
  // Reads: the workgroup's result location and engine win over anything a client sends.
  const readWorkgroup = athenaWorkgroup('AthenaReads', `lakeops-${$app.stage}-reads`, results, true);
  // Writes: "If your workgroup does not override the query results location, you can use the
  // syntax WITH (external_location = …)" — a workgroup that overrides it fails such a CTAS
  // (Athena docs: Considerations and limitations for CTAS queries; Troubleshoot workgroup errors).
  const writeWorkgroup = athenaWorkgroup('AthenaWrites', `lakeops-${$app.stage}-writes`, results, false);
  // Jobs, locks, queues and alert state: one table, single-table design, items expire by TTL.
  const state = new sst.aws.Dynamo('State', {
    fields: { pk: 'string', sk: 'string' },
    primaryIndex: { hashKey: 'pk', rangeKey: 'sk' },
    ttl: 'expiresAt',
  });
  return {
    lake,
    lakeLifecycle: lifecycle,
    athenaResults,
    glueDatabasePrefix: prefix,
    glueDatabases,
    glueTables,
    readWorkgroup,
    writeWorkgroup,
    state,
  };
}

export type Storage = ReturnType<typeof storageStack>;

/**
 * The lake bucket's lifecycle (S3 LifecycleRule, PutBucketLifecycleConfiguration): noncurrent
 * versions and orphaned delete markers go after {@link NONCURRENT_VERSION_DAYS}, incomplete
 * multipart uploads (a CTAS or Firehose write that died) after one day, Bronze after its retention,
 * the NRT views' files after theirs.
 * A filter holds exactly one of Prefix, Tag, … (S3 API), so "the whole bucket" is `prefix: ''`.
 */
function lakeLifecycle(lake: sst.aws.Bucket, bronzeRetentionDays: number) {
  if (!Number.isInteger(bronzeRetentionDays) || bronzeRetentionDays < 1)
    throw new RangeError(`Bronze retention must be a whole number of days ≥ 1, got ${bronzeRetentionDays}`);
  return new aws.s3.BucketLifecycleConfiguration('LakeLifecycle', {
    bucket: lake.name,
    rules: [
      {
        id: 'noncurrent-versions',
        status: 'Enabled',
        filter: { prefix: '' },
        noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_VERSION_DAYS },
        // ExpiredObjectDeleteMarker cannot share an Expiration with Days (S3 LifecycleExpiration).
        expiration: { expiredObjectDeleteMarker: true },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
      },
      {
        id: 'bronze-retention',
        status: 'Enabled',
        filter: { prefix: 'bronze/' },
        // On a versioned bucket this adds a delete marker; the rule above then removes the
        // noncurrent version a day later, and the marker once it stands alone.
        expiration: { days: bronzeRetentionDays },
        noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_VERSION_DAYS },
      },
      {
        id: 'nrt-retention',
        status: 'Enabled',
        // Where the NRT views' CTAS write (the Athena engine's staging location per zone): a
        // partition's files, live or superseded, go this many days after they were written; its
        // Glue entry then reads as empty.
        filter: { prefix: '_staging/nrt/' },
        expiration: { days: NRT_RETENTION_DAYS },
        noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_VERSION_DAYS },
      },
    ],
  });
}

function athenaWorkgroup(
  name: string,
  workgroupName: string,
  outputLocation: $util.Input<string>,
  enforce: boolean,
) {
  return new aws.athena.Workgroup(name, {
    name: workgroupName,
    forceDestroy: true,
    configuration: {
      enforceWorkgroupConfiguration: enforce,
      publishCloudwatchMetricsEnabled: true,
      engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
      resultConfiguration: { outputLocation },
    },
  });
}

const parquet = {
  inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  serDeInfo: {
    serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
    parameters: { 'serialization.format': '1' },
  },
};

/**
 * A catalog table as a Glue table, with the SerDe `athenaCreateTable` (packages/lake dialect)
 * writes in DDL: Parquet for Silver, Gold and NRT; the OpenX JSON SerDe for Bronze NDJSON, with
 * `mapping.<column>` for JSON keys that are not identifiers (`detail-type`). Partition keys are
 * strings, as in the DDL. `bronze.events` is partition-projected on dt and hour, so nothing ever
 * registers its partitions (Athena: Partition projection, supported types, Firehose example).
 */
function glueTable(
  table: TableDefinition,
  databaseName: $util.Input<string>,
  lakeRoot: $util.Output<string>,
) {
  const location = lakeRoot.apply((root) => `${root}${table.zone}/${table.name}/`);
  const columns = table.columns.map((c) => ({
    name: c.name,
    type: hiveType(c.type),
    comment: `sensitivity=${c.sensitivity}`,
  }));
  const json = table.format === 'ndjson';
  const mapping = Object.fromEntries(
    table.columns
      .filter((c) => c.sourceName !== undefined && c.sourceName !== c.name)
      .map((c) => [`mapping.${c.name}`, c.sourceName ?? c.name]),
  );
  const storage = json
    ? {
        inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
        outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
        serDeInfo: {
          serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
          parameters: { ...mapping, 'ignore.malformed.json': 'false' },
        },
      }
    : parquet;
  return new aws.glue.CatalogTable(`GlueTable${pascal(table.zone)}${pascal(table.name)}`, {
    name: table.name,
    databaseName,
    description: table.description,
    tableType: 'EXTERNAL_TABLE',
    parameters: {
      EXTERNAL: 'TRUE',
      classification: json ? 'json' : 'parquet',
      ...(json ? {} : { 'parquet.compression': 'ZSTD' }),
      ...(table === bronzeEventsTable() ? bronzeProjection(location) : {}),
      ...(table === dsarPurgeIds ? runProjection(location) : {}),
    },
    partitionKeys: table.partitionKeys.map((k) => ({ name: k, type: 'string' })),
    storageDescriptor: { ...storage, location, columns },
  });
}

function bronzeEventsTable(): TableDefinition | undefined {
  return tables.find((t) => t.zone === 'bronze' && t.name === 'events');
}

/**
 * Partition projection for `bronze.events`, whose keys Firehose writes as
 * `dt=YYYY-MM-DD/hour=HH`: dt is a date from {@link BRONZE_PROJECTION_START} to NOW, hour an
 * integer 0–23 written with two digits, and the template maps both to the Hive folders.
 */
export function bronzeProjection(location: $util.Input<string>) {
  return {
    'projection.enabled': 'true',
    'projection.dt.type': 'date',
    'projection.dt.format': 'yyyy-MM-dd',
    'projection.dt.range': `${BRONZE_PROJECTION_START},NOW`,
    'projection.dt.interval': '1',
    'projection.dt.interval.unit': 'DAYS',
    'projection.hour.type': 'integer',
    'projection.hour.range': '0,23',
    'projection.hour.digits': '2',
    'storage.location.template': $interpolate`${location}dt=\${dt}/hour=\${hour}/`,
  };
}

/**
 * The DSAR ids table's `run` partitions are never registered: `injected` partition projection
 * takes the run from the query's `"run" = '<run>'` (Athena: "Use dynamic ID partitioning" — the
 * WHERE clause must hold static equality conditions on the column, as every purge statement does).
 */
export function runProjection(location: $util.Input<string>) {
  return {
    'projection.enabled': 'true',
    'projection.run.type': 'injected',
    'storage.location.template': $interpolate`${location}run=\${run}/`,
  };
}

/** `silver_private` → `SilverPrivate`: Pulumi resource names. */
function pascal(s: string): string {
  return s
    .split(/[^a-zA-Z0-9]+/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}
