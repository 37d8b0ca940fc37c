import { createHash } from 'node:crypto';
import { appendFile, mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type DeadLetter, type ParkedEvent, readParkedEvent } from '@lakeops/core';

/** One line of a dead-letter file: its id (a hash of the line), and what it holds. */
export type ParkedLine =
  | { readonly id: string; readonly file: string; readonly ok: true; readonly parked: ParkedEvent }
  | { readonly id: string; readonly file: string; readonly ok: false; readonly problem: string };

/** How long a lock may be held before another process treats it as left by a crash. */
const staleLockMs = 30_000;

/**
 * The local dead-letter place: one JSONL file per route under `dir`
 * (`.lakeops/dead-letter/<route-id>.jsonl`), one `ParkedEvent` (`v: 1`) per line. Parking
 * appends; `remove` rewrites the file without one line (to a temporary file, then renamed), so
 * a crash leaves either the old file or the new one, never half of one. Both hold a lock
 * (a `.lock` folder) so a redrive never drops an event the bus parks meanwhile.
 */
export class JsonlDeadLetter implements DeadLetter {
  readonly dir: string;
  constructor(options: { dir: string }) {
    this.dir = options.dir;
  }

  fileFor(routeId: string | null): string {
    return join(this.dir, `${(routeId ?? 'unknown-route').replace(/[^A-Za-z0-9._-]/g, '_')}.jsonl`);
  }

  async park(parked: ParkedEvent): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await this.#locked(() => appendFile(this.fileFor(parked.routeId), `${JSON.stringify(parked)}\n`, 'utf8'));
  }

  /** Every parked line of every route file, oldest first within a file. */
  async list(): Promise<ParkedLine[]> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => n.endsWith('.jsonl')).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const lines: ParkedLine[] = [];
    for (const name of names) {
      const file = join(this.dir, name);
      for (const line of await readLines(file)) lines.push(parseLine(file, line));
    }
    return lines;
  }

  /** Removes the line `id` from `file`; false when it is no longer there. */
  async remove(file: string, id: string): Promise<boolean> {
    return this.#locked(async () => {
      const lines = await readLines(file);
      const at = lines.findIndex((line) => lineId(line) === id);
      if (at < 0) return false;
      lines.splice(at, 1);
      if (lines.length === 0) {
        await unlink(file);
        return true;
      }
      const temporary = `${file}.${process.pid}.tmp`;
      await writeFile(temporary, lines.map((l) => `${l}\n`).join(''), 'utf8');
      await rename(temporary, file);
      return true;
    });
  }

  async #locked<T>(work: () => Promise<T>): Promise<T> {
    const lock = join(this.dir, '.lock');
    await mkdir(this.dir, { recursive: true });
    for (;;) {
      try {
        await mkdir(lock);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const since = await stat(lock).then(
          (s) => Date.now() - s.mtimeMs,
          () => 0,
        );
        if (since > staleLockMs) await rm(lock, { recursive: true, force: true });
        else await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    try {
      return await work();
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
  }
}

/** A line's id: the first 12 hex digits of its SHA-256, stable across runs. */
export function lineId(line: string): string {
  return createHash('sha256').update(line).digest('hex').slice(0, 12);
}

async function readLines(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text.split('\n').filter((l) => l.trim() !== '');
}

function parseLine(file: string, line: string): ParkedLine {
  const id = lineId(line);
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { id, file, ok: false, problem: 'not JSON' };
  }
  const parked = readParkedEvent(value);
  return parked ? { id, file, ok: true, parked } : { id, file, ok: false, problem: 'not a parked event' };
}
