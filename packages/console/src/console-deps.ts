import type { Clock, QueryEngine, StateStore } from '@lakeops/core';
import type { LineageGraph } from '@lakeops/lake';

/** What a principal can read of one table, from Lake Formation's grants and data cells filters. */
export interface TablePreview {
  readonly table: string;
  readonly columns: readonly string[];
  /** Columns of the table the principal cannot read (how many; their names are in the catalog). */
  readonly hiddenColumns: number;
  /** The row filter, as Lake Formation's PartiQL subset; null when every row. */
  readonly rowFilter: string | null;
}

/** The permission preview source: the principals of the policy and what each sees. */
export interface PermissionPreviewSource {
  principals(): Promise<readonly string[]>;
  /** Undefined for a principal the policy does not name. */
  preview(principal: string): Promise<readonly TablePreview[] | undefined>;
}

/** A notification as sent (title, severity, when), never its payload fields. */
export interface SentNotification {
  readonly at: string | null;
  readonly severity: string;
  readonly title: string;
  readonly action: string;
}

/** A static file the page loads: the charting library and the console's own script and styles. */
export interface ConsoleAsset {
  readonly body: string;
  readonly contentType: string;
}

/**
 * The ports the console reads. Locally the cli wires DuckDB over the lake, the SQLite state store,
 * the local Lake Formation state and the outbox; a source left out is a page section left out.
 */
export interface ConsoleDeps {
  /** Reads the NRT views (`nrt.*`) and the Gold KPI tables; never Bronze. */
  readonly engine: QueryEngine;
  /** NRT refresh records, quality runs, alert groups and silences, DSAR runs. */
  readonly state: StateStore;
  readonly clock: Clock;
  /** The asset named, or undefined. */
  readonly asset: (name: string) => Promise<ConsoleAsset | undefined>;
  /** The lineage graph of the repo's schemas, models and suites. */
  readonly lineage?: () => Promise<LineageGraph>;
  readonly permissions?: PermissionPreviewSource;
  /** The last notifications sent, newest first. */
  readonly notifications?: (limit: number) => Promise<readonly SentNotification[]>;
}
