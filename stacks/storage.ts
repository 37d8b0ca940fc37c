/** Storage: the lake bucket (S3, Hive partitions), Athena results, the Glue database, state. */
export function storageStack() {
  const lake = new sst.aws.Bucket('Lake', { versioning: true });
  const athenaResults = new sst.aws.Bucket('AthenaResults');
  const glue = new aws.glue.CatalogDatabase('LakeDatabase', {
    name: `lakeops_${$app.stage.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}`,
    description: 'lakeops: bronze, silver, gold and nrt tables',
  });
  const workgroup = new aws.athena.Workgroup('Athena', {
    name: `lakeops-${$app.stage}`,
    forceDestroy: true,
    configuration: {
      enforceWorkgroupConfiguration: true,
      engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
      resultConfiguration: { outputLocation: $interpolate`s3://${athenaResults.name}/results/` },
    },
  });
  // Jobs, locks, queues and alert state: one table, single-table design, items expire by TTL.
  const state = new sst.aws.Dynamo('State', {
    fields: { pk: 'string', sk: 'string' },
    primaryIndex: { hashKey: 'pk', rangeKey: 'sk' },
    ttl: 'expiresAt',
  });
  return { lake, athenaResults, glue, workgroup, state };
}

export type Storage = ReturnType<typeof storageStack>;
