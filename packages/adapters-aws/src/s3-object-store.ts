import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ObjectMissingError, type ObjectStore, type StoredObject } from '@lakeops/core';
import { awsFailure, ObjectsDeleteFailedError } from './aws-errors.ts';

/**
 * The lake bucket as an `ObjectStore`: keys are the same as the local lake folder's, below an
 * optional `prefix`. `replacePrefix` copies the staged objects over and deletes the rest (S3 has
 * no rename); readers that must never see a half-replaced partition switch through the Glue
 * partition location instead (see `AthenaQueryEngine.writePartitions`).
 *
 * @example
 * ```ts
 * const store = new S3ObjectStore({ client: new S3Client({}), bucket: Resource.Lake.name });
 * ```
 */
export class S3ObjectStore implements ObjectStore {
  readonly #client: S3Client;
  readonly bucket: string;
  readonly #prefix: string;
  readonly #allVersions: boolean;

  /**
   * `deleteVersions: 'all'` (the DSAR purge): `deletePrefix` removes every version of every key
   * under the prefix — noncurrent versions and delete markers too — with ListObjectVersions and
   * DeleteObjects by VersionId, so that nothing of a purged user stays in a versioned bucket.
   * Needs `s3:ListBucketVersions` and `s3:DeleteObjectVersion`. Default `'current'`: a plain
   * delete (a versioned bucket keeps the old bytes as a noncurrent version until lifecycle expiry).
   */
  constructor(options: {
    client: S3Client;
    bucket: string;
    prefix?: string;
    deleteVersions?: 'current' | 'all';
  }) {
    this.#client = options.client;
    this.bucket = options.bucket;
    this.#prefix = options.prefix ? options.prefix.replace(/\/?$/, '/') : '';
    this.#allVersions = options.deleteVersions === 'all';
  }

  /** The store key of an `s3://bucket/…` location in this store, or undefined when it lies elsewhere. */
  keyOf(location: string): string | undefined {
    const root = `s3://${this.bucket}/${this.#prefix}`;
    return location.startsWith(root) ? location.slice(root.length) : undefined;
  }

  /** The `s3://bucket/…` location of a key of this store (the inverse of `keyOf`). */
  locationOf(key: string): string {
    return `s3://${this.bucket}/${this.#prefix}${key}`;
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.#send('ListObjectsV2', () =>
        this.#client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.#prefix + prefix,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        ),
      );
      for (const o of page.Contents ?? []) {
        if (o.Key) out.push({ key: o.Key.slice(this.#prefix.length), size: o.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async read(key: string): Promise<Uint8Array> {
    try {
      const object = await this.#client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.#prefix + key }),
      );
      if (!object.Body) throw new ObjectMissingError(key);
      return await object.Body.transformToByteArray();
    } catch (error) {
      if (error instanceof ObjectMissingError) throw error;
      const name = (error as { name?: string }).name;
      if (name === 'NoSuchKey' || name === 'NotFound') throw new ObjectMissingError(key, { cause: error });
      throw awsFailure(`S3 GetObject s3://${this.bucket}/${this.#prefix}${key}`, error);
    }
  }

  async write(key: string, body: Uint8Array | string): Promise<void> {
    await this.#send('PutObject', () =>
      this.#client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.#prefix + key, Body: body })),
    );
  }

  async deletePrefix(prefix: string): Promise<number> {
    if (this.#allVersions) return this.#deleteAllVersions(prefix);
    const keys = (await this.list(prefix)).map((o) => o.key);
    await this.#deleteKeys(keys);
    return keys.length;
  }

  /** Every version and delete marker under the prefix, listed 1000 at a time and deleted by VersionId. */
  async #deleteAllVersions(prefix: string): Promise<number> {
    const versions: { Key: string; VersionId: string }[] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    do {
      const page = await this.#send('ListObjectVersions', () =>
        this.#client.send(
          new ListObjectVersionsCommand({
            Bucket: this.bucket,
            Prefix: this.#prefix + prefix,
            ...(keyMarker !== undefined ? { KeyMarker: keyMarker } : {}),
            ...(versionIdMarker !== undefined ? { VersionIdMarker: versionIdMarker } : {}),
          }),
        ),
      );
      for (const v of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) {
        if (v.Key && v.VersionId) versions.push({ Key: v.Key, VersionId: v.VersionId });
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (keyMarker !== undefined);
    await this.#deleteObjects(versions);
    return versions.length;
  }

  async replacePrefix(target: string, staged: string): Promise<void> {
    const incoming = await this.list(staged);
    if (!incoming.length) throw new ObjectMissingError(staged);
    const previous = await this.list(target);
    const kept = new Set<string>();
    for (const o of incoming) {
      const key = target + o.key.slice(staged.length);
      kept.add(key);
      await this.#send('CopyObject', () =>
        this.#client.send(
          new CopyObjectCommand({
            Bucket: this.bucket,
            Key: this.#prefix + key,
            CopySource: encodeURIComponent(`${this.bucket}/${this.#prefix}${o.key}`),
          }),
        ),
      );
    }
    await this.#deleteKeys(previous.map((o) => o.key).filter((k) => !kept.has(k)));
    await this.#deleteKeys(incoming.map((o) => o.key));
  }

  async #deleteKeys(keys: readonly string[]): Promise<void> {
    await this.#deleteObjects(keys.map((k) => ({ Key: this.#prefix + k })));
  }

  async #deleteObjects(objects: readonly { Key: string; VersionId?: string }[]): Promise<void> {
    // DeleteObjects takes at most 1000 keys (with VersionId: that version is deleted for good),
    // and answers 200 even when some keys failed: the failures are listed in `Errors` (Quiet mode
    // lists only those).
    const failures: { key: string; code: string; message: string }[] = [];
    for (let i = 0; i < objects.length; i += maxKeysPerDelete) {
      const batch = objects.slice(i, i + maxKeysPerDelete);
      const answer = await this.#send('DeleteObjects', () =>
        this.#client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: batch.map((o) => ({ ...o })), Quiet: true },
          }),
        ),
      );
      for (const e of answer.Errors ?? []) {
        failures.push({ key: e.Key ?? '?', code: e.Code ?? 'Unknown', message: e.Message ?? '' });
      }
    }
    if (failures.length) throw new ObjectsDeleteFailedError(this.bucket, failures);
  }

  async #send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw awsFailure(`S3 ${operation} on ${this.bucket}`, error);
    }
  }
}

/** DeleteObjects: "The request contains a list of up to 1000 keys". */
const maxKeysPerDelete = 1000;
