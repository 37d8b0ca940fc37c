import { type QualityRunRecord, readQualityRuns } from '@lakeops/core';
import type { ConsoleDeps } from './console-deps.ts';

export interface SuiteQuality {
  readonly suite: string;
  readonly latest: QualityRunRecord;
  /** Oldest first: when, and how many error-severity expectations failed. */
  readonly history: readonly { readonly finishedAt: string; readonly failed: number }[];
}

/** The latest recorded run per suite (`lakeops check` records them), failing suites first. */
export async function readQuality(deps: ConsoleDeps): Promise<{ suites: SuiteQuality[] }> {
  const runs = await readQualityRuns(deps, 30);
  const suites: SuiteQuality[] = [];
  for (const [suite, list] of runs) {
    const latest = list[0];
    if (!latest) continue;
    suites.push({
      suite,
      latest,
      history: [...list].reverse().map((r) => ({ finishedAt: r.finishedAt, failed: r.failed })),
    });
  }
  suites.sort((a, b) =>
    a.latest.status === b.latest.status
      ? a.suite.localeCompare(b.suite)
      : a.latest.status === 'failed'
        ? -1
        : 1,
  );
  return { suites };
}
