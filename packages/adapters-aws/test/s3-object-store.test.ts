import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  type DeleteObjectsCommandInput,
  GetObjectCommand,
  type GetObjectCommandOutput,
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
} from '@aws-sdk/client-s3';
import { objectStoreBehaviour } from '@lakeops/testing';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../src/index.ts';

const s3 = mockClient(S3Client);

/** A bucket in a Map behind the mocked client, with one-key pages to exercise pagination. */
function emulateBucket(): Map<string, Uint8Array> {
  const objects = new Map<string, Uint8Array>();
  s3.reset();
  s3.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
    const body = input.Body;
    objects.set(
      input.Key ?? '',
      typeof body === 'string' ? new TextEncoder().encode(body) : (body as Uint8Array),
    );
    return {};
  });
  s3.on(GetObjectCommand).callsFake((input: { Key?: string }) => {
    const body = objects.get(input.Key ?? '');
    if (!body) throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
    return { Body: { transformToByteArray: async () => body } } as unknown as GetObjectCommandOutput;
  });
  s3.on(ListObjectsV2Command).callsFake((input: ListObjectsV2CommandInput) => {
    const keys = [...objects.keys()].filter((k) => k.startsWith(input.Prefix ?? '')).sort();
    const start = input.ContinuationToken ? Number(input.ContinuationToken) : 0;
    const page = keys.slice(start, start + 2);
    const more = start + 2 < keys.length;
    return {
      Contents: page.map((Key) => ({ Key, Size: objects.get(Key)?.byteLength ?? 0 })),
      IsTruncated: more,
      ...(more ? { NextContinuationToken: String(start + 2) } : {}),
    };
  });
  s3.on(CopyObjectCommand).callsFake((input: { Key?: string; CopySource?: string }) => {
    const source = decodeURIComponent(input.CopySource ?? '').replace(/^[^/]+\//, '');
    const body = objects.get(source);
    if (!body) throw Object.assign(new Error('no source'), { name: 'NoSuchKey' });
    objects.set(input.Key ?? '', body);
    return {};
  });
  s3.on(DeleteObjectsCommand).callsFake((input: DeleteObjectsCommandInput) => {
    for (const o of input.Delete?.Objects ?? []) objects.delete(o.Key ?? '');
    return {};
  });
  return objects;
}

objectStoreBehaviour('S3ObjectStore (mocked S3)', async () => {
  emulateBucket();
  return { store: new S3ObjectStore({ client: new S3Client({}), bucket: 'lake' }) };
});

describe('S3ObjectStore', () => {
  beforeEach(() => s3.reset());

  it('writes under the bucket and prefix', async () => {
    // Prepare
    emulateBucket();
    const store = new S3ObjectStore({ client: new S3Client({}), bucket: 'lake', prefix: 'env/dev' });
    // Act
    await store.write('gold/kpi_gmv_daily/dt=2026-11-20/data_0.parquet', 'x');
    // Assess
    expect(s3).toReceiveCommandWith(PutObjectCommand, {
      Bucket: 'lake',
      Key: 'env/dev/gold/kpi_gmv_daily/dt=2026-11-20/data_0.parquet',
    });
    expect(await store.list('gold/')).toEqual([
      { key: 'gold/kpi_gmv_daily/dt=2026-11-20/data_0.parquet', size: 1 },
    ]);
  });

  it('deletes in batches of at most 1000 keys', async () => {
    // Prepare
    const objects = emulateBucket();
    for (let i = 0; i < 2500; i++)
      objects.set(`silver/t/dt=2026-11-20/part_${String(i).padStart(4, '0')}.parquet`, new Uint8Array(1));
    const store = new S3ObjectStore({ client: new S3Client({}), bucket: 'lake' });
    // Act
    const deleted = await store.deletePrefix('silver/t/');
    // Assess
    const batches = s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input.Delete?.Objects ?? []);
    expect(deleted).toBe(2500);
    expect(batches.map((b) => b.length)).toEqual([1000, 1000, 500]);
    expect(batches[2]?.[499]).toEqual({ Key: 'silver/t/dt=2026-11-20/part_2499.parquet' });
    expect(objects.size).toBe(0);
  });

  it('deletes every version and delete marker under a prefix by VersionId, paging the version list', async () => {
    // Prepare
    s3.on(ListObjectVersionsCommand, { Bucket: 'lake', Prefix: 'env/_dsar/backup/r1/' })
      .resolves({
        IsTruncated: true,
        NextKeyMarker: 'env/_dsar/backup/r1/a.parquet',
        NextVersionIdMarker: 'v1',
        Versions: [
          { Key: 'env/_dsar/backup/r1/a.parquet', VersionId: 'v2', IsLatest: true },
          { Key: 'env/_dsar/backup/r1/a.parquet', VersionId: 'v1', IsLatest: false },
        ],
      })
      .on(ListObjectVersionsCommand, {
        Bucket: 'lake',
        Prefix: 'env/_dsar/backup/r1/',
        KeyMarker: 'env/_dsar/backup/r1/a.parquet',
        VersionIdMarker: 'v1',
      })
      .resolves({
        IsTruncated: false,
        Versions: [{ Key: 'env/_dsar/backup/r1/b.parquet', VersionId: 'v7', IsLatest: false }],
        DeleteMarkers: [{ Key: 'env/_dsar/backup/r1/b.parquet', VersionId: 'v8', IsLatest: true }],
      });
    s3.on(DeleteObjectsCommand).resolves({});
    const store = new S3ObjectStore({
      client: new S3Client({}),
      bucket: 'lake',
      prefix: 'env',
      deleteVersions: 'all',
    });
    // Act
    const deleted = await store.deletePrefix('_dsar/backup/r1/');
    // Assess
    expect(deleted).toBe(4);
    expect(s3.commandCalls(ListObjectVersionsCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'lake', Prefix: 'env/_dsar/backup/r1/' },
      {
        Bucket: 'lake',
        Prefix: 'env/_dsar/backup/r1/',
        KeyMarker: 'env/_dsar/backup/r1/a.parquet',
        VersionIdMarker: 'v1',
      },
    ]);
    expect(s3).toHaveReceivedCommandTimes(DeleteObjectsCommand, 1);
    expect(s3).toHaveReceivedCommandWith(DeleteObjectsCommand, {
      Bucket: 'lake',
      Delete: {
        Objects: [
          { Key: 'env/_dsar/backup/r1/a.parquet', VersionId: 'v2' },
          { Key: 'env/_dsar/backup/r1/a.parquet', VersionId: 'v1' },
          { Key: 'env/_dsar/backup/r1/b.parquet', VersionId: 'v7' },
          { Key: 'env/_dsar/backup/r1/b.parquet', VersionId: 'v8' },
        ],
        Quiet: true,
      },
    });
    expect(s3).not.toHaveReceivedCommand(ListObjectsV2Command);
  });

  it('reports the keys S3 could not delete although it answered 200', async () => {
    // Prepare
    const objects = emulateBucket();
    objects.set('gold/t/dt=2026-11-20/a.parquet', new Uint8Array(1));
    objects.set('gold/t/dt=2026-11-20/b.parquet', new Uint8Array(1));
    s3.on(DeleteObjectsCommand).resolves({
      Errors: [{ Key: 'gold/t/dt=2026-11-20/b.parquet', Code: 'AccessDenied', Message: 'Access Denied' }],
    });
    const store = new S3ObjectStore({ client: new S3Client({}), bucket: 'lake' });
    // Act
    const deleting = store.deletePrefix('gold/t/');
    // Assess
    await expect(deleting).rejects.toMatchObject({
      name: 'ObjectsDeleteFailedError',
      code: 'ObjectsDeleteFailed',
      retryable: false,
      failures: [{ key: 'gold/t/dt=2026-11-20/b.parquet', code: 'AccessDenied', message: 'Access Denied' }],
    });
    await expect(deleting).rejects.toThrow(/gold\/t\/dt=2026-11-20\/b\.parquet \(AccessDenied\)/);
    expect(s3).toHaveReceivedCommandWith(DeleteObjectsCommand, {
      Bucket: 'lake',
      Delete: {
        Objects: [{ Key: 'gold/t/dt=2026-11-20/a.parquet' }, { Key: 'gold/t/dt=2026-11-20/b.parquet' }],
        Quiet: true,
      },
    });
  });

  it('reports per-key InternalError or SlowDown as retryable', async () => {
    // Prepare
    const objects = emulateBucket();
    objects.set('gold/t/a.parquet', new Uint8Array(1));
    s3.on(DeleteObjectsCommand).resolves({ Errors: [{ Key: 'gold/t/a.parquet', Code: 'InternalError' }] });
    const store = new S3ObjectStore({ client: new S3Client({}), bucket: 'lake' });
    // Act
    const deleting = store.deletePrefix('gold/t/');
    // Assess
    await expect(deleting).rejects.toMatchObject({ code: 'ObjectsDeleteFailed', retryable: true });
  });

  it('maps AccessDenied on a request to a permanent error', async () => {
    // Prepare
    s3.on(PutObjectCommand).rejects(
      Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }),
    );
    const store = new S3ObjectStore({ client: new S3Client({}), bucket: 'lake' });
    // Act
    const writing = store.write('gold/x', 'x');
    // Assess
    await expect(writing).rejects.toMatchObject({ code: 'AwsRequestRejected', retryable: false });
  });

  it('maps an s3:// location of its bucket and prefix to a key, and nothing else', () => {
    // Prepare
    const store = new S3ObjectStore({ client: new S3Client({}), bucket: 'lake', prefix: 'env/dev' });
    // Act + Assess
    expect(store.keyOf('s3://lake/env/dev/_staging/gold/t/r1/')).toBe('_staging/gold/t/r1/');
    expect(store.keyOf('s3://lake/other/x/')).toBeUndefined();
    expect(store.keyOf('s3://lake-2/env/dev/x/')).toBeUndefined();
  });

  it('fails retryably when S3 is unavailable', async () => {
    // Prepare
    s3.on(ListObjectsV2Command).rejects(Object.assign(new Error('slow down'), { name: 'SlowDown' }));
    const store = new S3ObjectStore({ client: new S3Client({}), bucket: 'lake' });
    // Act
    const listing = store.list('gold/');
    // Assess
    await expect(listing).rejects.toMatchObject({ code: 'DependencyUnavailable', retryable: true });
  });
});
