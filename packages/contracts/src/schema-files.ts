/**
 * Naming rules for schema files, shared by the generator, the gate and the runtime:
 * `events/<detail-type>.v<N>.schema.json` with `$id` = {@link SCHEMA_ID_BASE} + the file name,
 * and `events/<detail-type>.v<N>.examples.json` beside it.
 */

/** Every schema's `$id` is this prefix followed by its file name. */
export const SCHEMA_ID_BASE = 'https://schemas.lakeops.dev/events/';

/** The JSON Schema dialect every event schema declares. */
export const SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

const SCHEMA_FILE =
  /^(?<detailType>[a-z][a-z0-9_-]*(?:\.[a-z][a-z0-9_-]*)*)\.v(?<version>[1-9][0-9]{0,5})\.schema\.json$/;

/** The detail-type and version a schema file name stands for, or undefined if it is not one. */
export function parseSchemaFileName(fileName: string): { detailType: string; version: number } | undefined {
  const groups = SCHEMA_FILE.exec(fileName)?.groups;
  if (!groups?.detailType || !groups.version) return undefined;
  return { detailType: groups.detailType, version: Number(groups.version) };
}

/** `deploy.succeeded`, 1 → `deploy.succeeded.v1.schema.json`. */
export function schemaFileName(detailType: string, version: number): string {
  return `${detailType}.v${version}.schema.json`;
}

/** `deploy.succeeded`, 1 → `deploy.succeeded.v1.examples.json`. */
export function examplesFileName(detailType: string, version: number): string {
  return `${detailType}.v${version}.examples.json`;
}

/** The `$id` a schema file must declare. */
export function schemaId(detailType: string, version: number): string {
  return `${SCHEMA_ID_BASE}${schemaFileName(detailType, version)}`;
}

/** `deploy.succeeded`, 1 → `DeploySucceededV1` (the generated TypeScript type). */
export function typeName(detailType: string, version: number): string {
  const words = detailType.split(/[._-]/).filter((w) => w.length > 0);
  return `${words.map((w) => w[0]?.toUpperCase() + w.slice(1)).join('')}V${version}`;
}

/** `deploy.succeeded`, 1 → `deploySucceededV1` (the generated validator). */
export function validatorName(detailType: string, version: number): string {
  const name = typeName(detailType, version);
  return name.charAt(0).toLowerCase() + name.slice(1);
}
