/** An event a function could not process and will not retry, with the reason. */
export interface ParkedEvent {
  readonly routeId: string;
  readonly reason: { readonly code: string; readonly message: string; readonly details?: unknown };
  readonly event: unknown;
  readonly parkedAt: string;
}

/**
 * The dead-letter place for permanent failures: an SQS queue on AWS, a JSONL file per route
 * locally. Nothing parked is lost; an operator can inspect and replay it.
 *
 * @example
 * ```ts
 * await deadLetter.park({ routeId: 'notify-deploy', reason: { code: 'EventInvalid', message: '…' },
 *   event, parkedAt: clock.now().toISOString() });
 * ```
 */
export interface DeadLetter {
  park(parked: ParkedEvent): Promise<void>;
}
