import {
  type Clock,
  completeNrtQuery,
  type EventPublisher,
  type NrtCompletion,
  type NrtView,
  type StagedPartitionWriter,
  type StateStore,
} from '@lakeops/core';
import { eventFunction, onLambda } from './lib/event-function.ts';
import { routeById } from './routes.ts';
import { nrtComplete } from './routes.validators.generated.ts';

/** What nrt-complete needs: the engine's started writes, the state port, the bus, the views. */
export interface NrtCompleteDeps {
  readonly state: StateStore;
  readonly events: EventPublisher;
  readonly clock: Clock;
  readonly nrtViews: () => Promise<readonly NrtView[]>;
  /**
   * The engine's started writes; absent locally, where the refresh writes through DuckDB and waits,
   * so no write is ever in flight and a completion has nothing to carry on.
   */
  readonly writer?: StagedPartitionWriter;
  /** This deployment's write workgroup: completions of another stage's workgroup are not ours. */
  readonly writeWorkgroup?: string;
}

export type NrtCompleteResult = NrtCompletion | { readonly status: 'ignored'; readonly why: string };

/**
 * nrt-complete: Athena reports a query of the write workgroup ended (native "Athena Query State
 * Change", normalised to athena.query.state_changed v1) → `completeNrtQuery`: switch the view's
 * partitions in and emit nrt.refreshed, or start its next write, or clean up and emit
 * nrt.refresh.failed. A duplicate, late or foreign completion changes nothing.
 */
export const make = eventFunction(
  routeById('nrt-complete'),
  nrtComplete,
  async (deps: NrtCompleteDeps, event): Promise<NrtCompleteResult> => {
    const { detail } = event;
    if (!deps.writer) return { status: 'ignored', why: 'no started writes on this platform' };
    // The pattern's wildcard also matches other stages' write workgroups in the same account.
    if (deps.writeWorkgroup !== undefined && detail.workgroup !== deps.writeWorkgroup)
      return { status: 'ignored', why: 'another workgroup' };
    if (detail.state !== 'SUCCEEDED' && detail.state !== 'FAILED' && detail.state !== 'CANCELLED')
      return { status: 'ignored', why: 'not a terminal state' };
    return completeNrtQuery(
      { writer: deps.writer, state: deps.state, events: deps.events, clock: deps.clock },
      {
        views: await deps.nrtViews(),
        queryId: detail.query_execution_id,
        state: detail.state,
        ...(detail.reason === undefined ? {} : { reason: detail.reason }),
      },
    );
  },
);

export const handler = onLambda(make, () => import('./lib/aws-nrt-deps.ts').then((m) => m.nrtAthenaDeps()));
