import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { OpenLineageEmitter, OpenLineageRunEvent } from '@lakeops/lake';

/**
 * Where the CLI's OpenLineage events go: appended to `<home>/lineage/<UTC day>.jsonl` always, and
 * POSTed as JSON to `<OPENLINEAGE_URL>/api/v1/lineage` when that is set (the OpenLineage HTTP
 * transport's default path, which Marquez serves). A collector that is down or refuses an event
 * is reported once per event on `warn`; it never fails the job.
 */
export function openLineageSinks(input: {
  readonly home: string;
  readonly url?: string | undefined;
  readonly warn: (line: string) => void;
  readonly signal?: AbortSignal;
}): OpenLineageEmitter {
  const dir = join(input.home, 'lineage');
  const endpoint = input.url
    ? new URL('api/v1/lineage', input.url.endsWith('/') ? input.url : `${input.url}/`)
    : undefined;
  return async (event: OpenLineageRunEvent) => {
    await mkdir(dir, { recursive: true });
    await appendFile(join(dir, `${event.eventTime.slice(0, 10)}.jsonl`), `${JSON.stringify(event)}\n`);
    if (!endpoint) return;
    try {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(event),
        signal: AbortSignal.any([AbortSignal.timeout(5000), ...(input.signal ? [input.signal] : [])]),
      });
      await response.body?.cancel();
      if (!response.ok)
        input.warn(
          `OpenLineage collector answered ${response.status} for ${event.eventType} ${event.job.name}`,
        );
    } catch (error) {
      input.warn(
        `OpenLineage collector unreachable (${(error as Error).message}) for ${event.eventType} ${event.job.name}`,
      );
    }
  };
}
