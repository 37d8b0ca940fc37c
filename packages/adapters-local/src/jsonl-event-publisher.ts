import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { EventPublisher, PublishedEvent } from '@lakeops/core';

/**
 * lakeops' own events locally when no bus is running: one EventBridge-shaped JSON line each in
 * `LAKEOPS_HOME/events/published.jsonl` (the events carry no personal data by contract).
 *
 * @example
 * ```ts
 * const events = new JsonlEventPublisher({ file: join(home, 'events', 'published.jsonl') });
 * ```
 */
export class JsonlEventPublisher implements EventPublisher {
  private readonly file: string;
  private readonly now: () => Date;
  constructor(options: { file: string; now?: () => Date }) {
    this.file = options.file;
    this.now = options.now ?? (() => new Date());
  }

  async publish(events: readonly PublishedEvent[]): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const time = this.now().toISOString();
    const lines = events.map((e) =>
      JSON.stringify({ source: e.source, 'detail-type': e.detailType, time, detail: e.detail }),
    );
    await appendFile(this.file, `${lines.join('\n')}\n`);
  }
}
