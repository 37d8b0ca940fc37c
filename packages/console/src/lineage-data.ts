import { type LineageNodeKind, walkLineage } from '@lakeops/lake';
import type { ConsoleDeps } from './console-deps.ts';
import { ConsoleRequestInvalidError } from './errors.ts';

export interface LineageAround {
  readonly node: string;
  readonly kind: LineageNodeKind;
  /** Nearest first; depth 1 is directly connected. */
  readonly upstream: readonly { id: string; kind: LineageNodeKind; depth: number }[];
  readonly downstream: readonly { id: string; kind: LineageNodeKind; depth: number }[];
  readonly edges: readonly { from: string; to: string }[];
}

export const lineageDepth = 2;
export const defaultLineageNode = 'gold.kpi_gmv_daily';

/** The graph around a node: two steps up and down, and the edges among those nodes. */
export async function readLineage(deps: ConsoleDeps, raw: string | null): Promise<LineageAround | null> {
  if (!deps.lineage) return null;
  const graph = await deps.lineage();
  const node = raw ?? defaultLineageNode;
  const found = graph.nodes.get(node);
  if (!found)
    throw new ConsoleRequestInvalidError(
      404,
      'NodeUnknown',
      `no table, event, suite or function named '${node.slice(0, 128)}' in the lineage`,
    );
  const upstream = walkLineage(graph, node, 'upstream', lineageDepth);
  const downstream = walkLineage(graph, node, 'downstream', lineageDepth);
  const keep = new Set([node, ...upstream.map((s) => s.id), ...downstream.map((s) => s.id)]);
  return {
    node,
    kind: found.kind,
    upstream,
    downstream,
    edges: graph.edges
      .filter((e) => keep.has(e.from) && keep.has(e.to))
      .map((e) => ({ from: e.from, to: e.to })),
  };
}
