/** Input given to `put-events` (a file or a request body) is not events in any accepted form. */
export class EventsInputInvalidError extends Error {
  readonly code = 'EventsInputInvalid';
  readonly retryable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventsInputInvalidError';
  }
}
