import { randomUUID } from 'node:crypto';
import { qualifiedName, type TableDefinition } from '@lakeops/core';
import { sqlType } from './dialect.ts';

/**
 * OpenLineage run events (spec 2-0-2) for the jobs that read or write the lake: START when a job
 * begins, COMPLETE or FAIL when it ends, with its input and output datasets and their schema
 * facet. The tests validate the events against lakeops' own schema of them
 * (test/integration/lake/openlineage-run-event.schema.json, written from the OpenLineage object
 * model); the upstream schema files are not copied into this repository.
 */
export const openLineageSpec = {
  event: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
  schemaFacet: 'https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet',
  errorFacet:
    'https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet',
  assertionsFacet:
    'https://openlineage.io/spec/facets/1-1-0/DataQualityAssertionsDatasetFacet.json#/$defs/DataQualityAssertionsDatasetFacet',
} as const;

/** Who produced the events (a URI, as the spec asks). */
export const openLineageProducer = 'https://github.com/lakeops/lakeops/tree/main/packages/lake';

export type RunEventType = 'START' | 'COMPLETE' | 'FAIL';

interface Facet {
  readonly _producer: string;
  readonly _schemaURL: string;
}
export interface OpenLineageDataset {
  readonly namespace: string;
  readonly name: string;
  readonly facets?: {
    readonly schema?: Facet & {
      readonly fields: readonly { name: string; type: string; description?: string }[];
    };
  };
  /** On an input: the data quality assertions a quality run evaluated on it. */
  readonly inputFacets?: {
    readonly dataQualityAssertions?: Facet & {
      readonly assertions: readonly {
        readonly assertion: string;
        readonly success: boolean;
        readonly column?: string;
        readonly severity?: string;
        readonly name?: string;
      }[];
    };
  };
}
export interface OpenLineageRunEvent {
  readonly eventType: RunEventType;
  readonly eventTime: string;
  readonly producer: string;
  readonly schemaURL: string;
  readonly run: {
    readonly runId: string;
    readonly facets?: {
      readonly errorMessage?: Facet & { readonly message: string; readonly programmingLanguage: string };
    };
  };
  readonly job: { readonly namespace: string; readonly name: string };
  readonly inputs: readonly OpenLineageDataset[];
  readonly outputs: readonly OpenLineageDataset[];
}

/** Where events go: a JSONL file, an HTTP endpoint, both, or a test's array. */
export type OpenLineageEmitter = (event: OpenLineageRunEvent) => Promise<void> | void;

/** A dataset for a lake table, with its columns (and partition keys) as the schema facet. */
export function lineageDataset(namespace: string, table: TableDefinition): OpenLineageDataset {
  return {
    namespace,
    name: qualifiedName(table),
    facets: {
      schema: {
        _producer: openLineageProducer,
        _schemaURL: openLineageSpec.schemaFacet,
        fields: [
          ...table.columns.map((c) => ({
            name: c.name,
            type: sqlType(c.type, 'athena'),
            ...(c.description ? { description: c.description } : {}),
          })),
          ...table.partitionKeys.map((k) => ({ name: k, type: 'VARCHAR', description: 'partition key' })),
        ],
      },
    },
  };
}

/**
 * One job run: `start()` emits START, then exactly one of `complete()` / `fail(error)`.
 *
 * @example
 * ```ts
 * const run = lineageRun(emit, { namespace: 'lakeops', job: 'build.gold.kpi_gmv_daily', inputs, outputs });
 * await run.start();
 * try { …; await run.complete(); } catch (e) { await run.fail(e); throw e; }
 * ```
 */
export function lineageRun(
  emit: OpenLineageEmitter,
  input: {
    readonly namespace: string;
    readonly job: string;
    readonly inputs: readonly OpenLineageDataset[];
    readonly outputs: readonly OpenLineageDataset[];
    readonly now?: () => Date;
  },
) {
  const runId = randomUUID();
  const now = input.now ?? (() => new Date());
  const event = (
    eventType: RunEventType,
    run: OpenLineageRunEvent['run'] = { runId },
    inputs = input.inputs,
    outputs = input.outputs,
  ): OpenLineageRunEvent => ({
    eventType,
    eventTime: now().toISOString(),
    producer: openLineageProducer,
    schemaURL: openLineageSpec.event,
    run,
    job: { namespace: input.namespace, name: input.job },
    inputs,
    outputs,
  });
  return {
    runId,
    start: async () => emit(event('START')),
    /**
     * COMPLETE; `inputs` replaces the inputs of START (e.g. with the assertions a quality run
     * evaluated), `outputs` its outputs (`[]`: the run ended without writing them).
     */
    complete: async (inputs?: readonly OpenLineageDataset[], outputs?: readonly OpenLineageDataset[]) =>
      emit(event('COMPLETE', { runId }, inputs, outputs)),
    fail: async (error: unknown) =>
      emit(
        event('FAIL', {
          runId,
          facets: {
            errorMessage: {
              _producer: openLineageProducer,
              _schemaURL: openLineageSpec.errorFacet,
              message: error instanceof Error ? error.message : String(error),
              programmingLanguage: 'TypeScript',
            },
          },
        }),
      ),
  };
}
