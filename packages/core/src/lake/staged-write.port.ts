import type { WritePartitionsInput, WritePartitionsResult } from './query-engine.port.ts';
import type { Partition } from './table.ts';

/**
 * A partition write started and not waited for: plain data, kept in the state port until the
 * engine reports the query done (on AWS, Athena's "Athena Query State Change" event).
 */
export interface StartedWrite {
  readonly [key: string]: string | readonly Partition[];
  /** The engine's id of the running query (Athena `QueryExecutionId`). */
  readonly queryId: string;
  /** The table written, `<zone>.<table>`. */
  readonly table: string;
  /** This write's run id: names its staging location and staging table. */
  readonly run: string;
  /** The partitions the write owns (every key named). */
  readonly partitions: readonly Partition[];
}

/** A query's state, as Athena names it (`QueryExecutionStatus.State`). */
export type WriteQueryState = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/**
 * A query engine whose partition writes can be started in one invocation and finished in another,
 * so no function waits on a long query: `startWrite` submits the staging query and returns;
 * `finishWrite` (once the query succeeded) switches the partitions to the staged data exactly as
 * `QueryEngine.writePartitions` does; `abandonWrite` (once it failed or was cancelled) removes
 * what was staged. Finishing or abandoning the same write twice is harmless.
 *
 * @example
 * ```ts
 * const started = await writer.startWrite({ table, sql, partitions: [{ dt, hour }] });
 * // … later, when the engine reports started.queryId SUCCEEDED:
 * const result = await writer.finishWrite(started);
 * ```
 */
export interface StagedPartitionWriter {
  startWrite(input: WritePartitionsInput): Promise<StartedWrite>;
  /** Where the write's query is now (one status call, no waiting). */
  queryState(write: StartedWrite): Promise<WriteQueryState>;
  finishWrite(write: StartedWrite): Promise<WritePartitionsResult>;
  abandonWrite(write: StartedWrite): Promise<void>;
}
