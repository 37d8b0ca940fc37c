/** One error as Ajv reports it (the fields lakeops reads). */
export interface CompiledValidatorError {
  readonly instancePath: string;
  readonly schemaPath: string;
  readonly keyword: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly message?: string;
}

/**
 * An Ajv standalone validator: whether `data` is a valid `T` (the detail type generated from the
 * same schema); `errors` says why not.
 */
export interface CompiledValidator<T = unknown> {
  (data: unknown): data is T;
  errors?: readonly CompiledValidatorError[] | null;
}

/** Validators by detail-type and version: `table['deploy.failed'][1]`. */
export type ValidatorTable = {
  readonly [detailType: string]: { readonly [version: number]: CompiledValidator };
};
