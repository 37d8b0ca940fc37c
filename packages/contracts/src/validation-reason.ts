/** Why an event or a detail is invalid: where (a JSON pointer) and what; never the value itself. */
export interface ValidationReason {
  readonly pointer: string;
  readonly message: string;
}
