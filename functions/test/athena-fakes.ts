import type { GetQueryResultsCommandOutput, StartQueryExecutionCommandInput } from '@aws-sdk/client-athena';
import { vi } from 'vitest';

/**
 * The environment the stacks give every function that queries the lake (dead-letter queue, bus,
 * Athena workgroups, Glue database prefix), plus `extra`, stubbed for the test file; undone by
 * `vi.unstubAllEnvs()`.
 */
export function stubLakeFunctionEnv(extra: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries({
    LAKEOPS_DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/dlq',
    LAKEOPS_EVENT_BUS_NAME: 'lakeops-ci',
    LAKEOPS_ATHENA_READ_WORKGROUP: 'lakeops-ci-reads',
    LAKEOPS_ATHENA_WRITE_WORKGROUP: 'lakeops-ci-writes',
    LAKEOPS_GLUE_DATABASE_PREFIX: 'lakeops_ci',
    POWERTOOLS_TRACE_ENABLED: 'false',
    ...extra,
  }))
    vi.stubEnv(name, value);
}

/**
 * A fake of StartQueryExecution that answers q1, q2, … and records each input under its id in
 * `queries`, for the GetQueryExecution / GetQueryResults fakes and the assertions to look up.
 */
export function startQueryRecorder(queries: Map<string, StartQueryExecutionCommandInput>) {
  return (input: StartQueryExecutionCommandInput) => {
    const id = `q${queries.size + 1}`;
    queries.set(id, input);
    return { QueryExecutionId: id };
  };
}

/** One GetQueryResults page as Athena returns a SELECT's: a header row, then the values, all as text. */
export function athenaResults(
  columns: readonly (readonly [name: string, type: string])[],
  values: readonly (readonly string[])[],
): GetQueryResultsCommandOutput {
  return {
    $metadata: {},
    ResultSet: {
      Rows: [
        { Data: columns.map(([n]) => ({ VarCharValue: n })) },
        ...values.map((v) => ({ Data: v.map((x) => ({ VarCharValue: x })) })),
      ],
      ResultSetMetadata: { ColumnInfo: columns.map(([Name, Type]) => ({ Name, Type })) },
    },
  };
}
