import { DependencyUnavailableError, LakeopsError } from '@lakeops/core';

/**
 * An AWS API refused the request for a reason a retry cannot fix: missing permission, invalid
 * input, an entity that does not exist. Parked, not retried.
 */
export class AwsRequestRejectedError extends LakeopsError {
  /** The AWS error name, e.g. `AccessDeniedException`. */
  readonly awsError: string;
  constructor(message: string, awsError: string, options: { cause?: unknown } = {}) {
    super('AwsRequestRejected', message, { retryable: false, cause: options.cause });
    this.awsError = awsError;
  }
}

/** Deleting objects from S3 failed for some keys although the request succeeded. */
export class ObjectsDeleteFailedError extends LakeopsError {
  readonly failures: readonly { key: string; code: string; message: string }[];
  constructor(bucket: string, failures: readonly { key: string; code: string; message: string }[]) {
    const listed = failures
      .slice(0, 10)
      .map((f) => `${f.key} (${f.code})`)
      .join(', ');
    const more = failures.length > 10 ? ` and ${failures.length - 10} more` : '';
    super(
      'ObjectsDeleteFailed',
      `S3 could not delete ${failures.length} object(s) in ${bucket}: ${listed}${more}`,
      {
        // S3 reports InternalError/SlowDown per key for transient trouble; AccessDenied is permanent.
        retryable: failures.every((f) => transientNames.has(f.code)),
      },
    );
    this.failures = failures;
  }
}

/** A Glue batch call succeeded but refused some partitions (per-entry `Errors`). */
export class PartitionBatchFailedError extends LakeopsError {
  readonly failures: readonly { values: readonly string[]; code: string; message: string }[];
  constructor(
    table: string,
    failures: readonly { values: readonly string[]; code: string; message: string }[],
  ) {
    const listed = failures
      .slice(0, 10)
      .map((f) => `${f.values.join('/')} (${f.code})`)
      .join(', ');
    const more = failures.length > 10 ? ` and ${failures.length - 10} more` : '';
    super(
      'PartitionBatchFailed',
      `Glue refused ${failures.length} partition(s) of ${table}: ${listed}${more}`,
      {
        retryable: failures.every((f) => transientNames.has(f.code)),
      },
    );
    this.failures = failures;
  }
}

/** The temporary CTAS table could not be dropped: the write is done, but the catalog keeps a stray table. */
export class StagingTableDropFailedError extends LakeopsError {
  readonly table: string;
  constructor(table: string, options: { cause?: unknown; retryable: boolean }) {
    super('StagingTableDropFailed', `could not drop the staging table ${table}`, options);
    this.table = table;
  }
}

/** Error names that say "try again later", across Athena, Glue and S3. */
const transientNames = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'SlowDown',
  'RequestLimitExceeded',
  'InternalServerException',
  'InternalServiceException',
  'InternalFailure',
  'InternalError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'OperationTimeoutException',
  'ConcurrentModificationException',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Error names that a retry cannot fix. */
const permanentNames = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnauthorizedOperation',
  'InvalidRequestException',
  'InvalidInputException',
  'ValidationException',
  'EntityNotFoundException',
  'AlreadyExistsException',
  'ResourceNumberLimitExceededException',
  'ResourceNotFoundException',
  'NoSuchBucket',
  'InvalidBucketName',
  'NoSuchKey',
  'MetadataException',
  'GlueEncryptionException',
]);

/** Whether an AWS SDK error may pass on retry: by name first, then by HTTP status. */
export function isTransientAwsError(error: unknown): boolean {
  const name = awsErrorName(error);
  if (transientNames.has(name)) return true;
  if (permanentNames.has(name)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
  if (status === undefined) return true; // no answer at all: network, timeout, DNS
  return status === 429 || status >= 500;
}

export function awsErrorName(error: unknown): string {
  return typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '';
}

/**
 * Wraps an AWS SDK error in the lake error it means: `DependencyUnavailableError` (retryable)
 * for throttling, 5xx and network trouble, `AwsRequestRejectedError` (permanent) for access,
 * validation and missing-entity errors and any other 4xx.
 */
export function awsFailure(what: string, error: unknown): LakeopsError {
  if (error instanceof LakeopsError) return error;
  const name = awsErrorName(error) || 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return isTransientAwsError(error)
    ? new DependencyUnavailableError(`${what} failed (${name}): ${message}`, { cause: error })
    : new AwsRequestRejectedError(`${what} was rejected (${name}): ${message}`, name, { cause: error });
}
