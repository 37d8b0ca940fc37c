import { LakeopsError } from '../shared/errors.ts';

/** A query was rejected or failed inside the engine (syntax, types, a missing column). */
export class QueryFailedError extends LakeopsError {
  constructor(message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super('QueryFailed', message, { retryable: options.retryable ?? false, cause: options.cause });
  }
}

/** The query named a table the catalog does not know. */
export class TableUnknownError extends LakeopsError {
  readonly table: string;
  constructor(table: string, options: { known?: readonly string[]; cause?: unknown } = {}) {
    const hint = options.known?.length ? ` (known: ${options.known.join(', ')})` : '';
    super('TableUnknown', `unknown table '${table}'${hint}`, { retryable: false, cause: options.cause });
    this.table = table;
  }
}

/** A data file in a partition cannot be read: nothing is written from a query that read it. */
export class PartitionCorruptError extends LakeopsError {
  readonly file: string;
  constructor(file: string, options: { cause?: unknown; detail?: string } = {}) {
    const detail = options.detail ? `: ${options.detail}` : '';
    super('PartitionCorrupt', `corrupt data file ${file}${detail}`, {
      retryable: false,
      cause: options.cause,
    });
    this.file = file;
  }
}

/** The query was cancelled (signal aborted) before it finished. */
export class QueryCancelledError extends LakeopsError {
  constructor(message = 'query cancelled', options: { cause?: unknown } = {}) {
    super('QueryCancelled', message, { retryable: true, cause: options.cause });
  }
}

/** An object or prefix that must exist does not. */
export class ObjectMissingError extends LakeopsError {
  readonly key: string;
  constructor(key: string, options: { cause?: unknown } = {}) {
    super('ObjectMissing', `no object at '${key}'`, { retryable: false, cause: options.cause });
    this.key = key;
  }
}
