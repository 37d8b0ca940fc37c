import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeadLetter, ParkedEvent } from '@lakeops/core';

/**
 * The local dead-letter place: one JSONL file per route under `dir`
 * (`.lakeops/dead-letter/<route-id>.jsonl`), append-only.
 */
export class JsonlDeadLetter implements DeadLetter {
  readonly dir: string;
  constructor(options: { dir: string }) {
    this.dir = options.dir;
  }

  fileFor(routeId: string): string {
    return join(this.dir, `${routeId.replace(/[^A-Za-z0-9._-]/g, '_')}.jsonl`);
  }

  async park(parked: ParkedEvent): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await appendFile(this.fileFor(parked.routeId), `${JSON.stringify(parked)}\n`, 'utf8');
  }
}
