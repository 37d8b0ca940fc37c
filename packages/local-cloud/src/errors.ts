/** Input given to `put-events` (a file or a request body) is not events in any accepted form. */
export class EventsInputInvalidError extends Error {
  readonly code = 'EventsInputInvalid';
  readonly retryable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventsInputInvalidError';
  }
}

/** A `rate()` or `cron()` expression EventBridge Scheduler would reject, or an unknown time zone. */
export class ScheduleExpressionInvalidError extends Error {
  readonly code = 'ScheduleExpressionInvalid';
  readonly retryable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ScheduleExpressionInvalidError';
  }
}

/** The local bus cannot archive or journal events (disk full, state file unreadable): retry later. */
export class BusStorageFailedError extends Error {
  readonly code = 'BusStorageFailed';
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BusStorageFailedError';
  }
}

/** The local bus was closed while a request was still on its way in. */
export class BusClosedError extends Error {
  readonly code = 'BusClosed';
  readonly retryable = true;
  constructor(message = 'the local bus is shutting down', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BusClosedError';
  }
}

/** A running endpoint refused or failed a request sent by `putEventsToEndpoint`. */
export class EndpointRequestFailedError extends Error {
  readonly code = 'EndpointRequestFailed';
  readonly retryable: boolean;
  constructor(message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EndpointRequestFailedError';
    this.retryable = options.retryable;
  }
}
