import { schemaFiles } from './schemas.generated.ts';

/** One schema in the repo. `file` is the path from the repository root. */
export interface SchemaEntry {
  readonly detailType: string;
  readonly version: number;
  readonly file: string;
  readonly schema: object;
}

/**
 * Every event schema in the repo, sorted by detail-type then version: for the README's event
 * catalogue, the evolution gate and the route checks. Bundled statically (no disk reads).
 *
 * @example
 * ```ts
 * const latest = listSchemas().filter((s) => s.detailType === 'deploy.failed').at(-1);
 * ```
 */
export function listSchemas(): SchemaEntry[] {
  return schemaFiles.map((s) => ({ ...s }));
}
