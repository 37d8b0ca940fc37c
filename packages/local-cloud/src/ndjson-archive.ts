import { randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { IntakeChunk } from './sqlite-bus-journal.ts';

/** One NDJSON line for a partition folder under the lake root (`bronze/events/dt=…/hour=…`). */
export interface ArchiveLine {
  readonly partition: string;
  readonly line: string;
}

const MAX_OPEN_FILES = 32;

/**
 * Append-only NDJSON files in Hive partitions under the lake folder. Each process writes its own
 * file per partition, `part-<start time>-<pid>-<random>.json`, so concurrent writers and restarts
 * never share (or clobber) a file; a line is never rewritten. Offsets are planned before the write
 * so the journal can redo an interrupted append byte for byte (see `SqliteBusJournal`).
 *
 * @example
 * ```ts
 * const archive = new NdjsonArchive({ root: join(home, 'lake') });
 * const chunks = archive.plan([{ partition: 'bronze/events/dt=2026-11-27/hour=10', line }]);
 * journal.record(chunks, deliveries);
 * await archive.write(chunks); // appended and fsynced
 * ```
 */
export class NdjsonArchive {
  readonly root: string;
  readonly writerId: string;
  readonly #sizes = new Map<string, number>();
  readonly #handles = new Map<string, FileHandle>();

  constructor(options: { root: string; writerId?: string }) {
    this.root = options.root;
    const stamp = new Date()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    this.writerId = options.writerId ?? `${stamp}-${process.pid}-${randomBytes(3).toString('hex')}`;
  }

  /** The file this writer appends to in a partition. */
  fileFor(partition: string): string {
    return join(this.root, partition, `part-${this.writerId}.json`);
  }

  /** Groups lines into one chunk per file, at the offsets they will be written to. */
  plan(lines: readonly ArchiveLine[]): IntakeChunk[] {
    const byPartition = new Map<string, string[]>();
    for (const { partition, line } of lines) {
      let list = byPartition.get(partition);
      if (!list) {
        list = [];
        byPartition.set(partition, list);
      }
      list.push(line);
    }
    return [...byPartition].map(([partition, list]) => {
      const file = this.fileFor(partition);
      const body = Buffer.from(`${list.join('\n')}\n`, 'utf8');
      const offset = this.#sizes.get(file) ?? 0;
      this.#sizes.set(file, offset + body.byteLength);
      return { file, offset, body };
    });
  }

  /** Appends planned chunks (in plan order) and fsyncs every file touched. */
  async write(chunks: readonly IntakeChunk[]): Promise<void> {
    const touched = new Set<string>();
    for (const chunk of chunks) {
      const handle = await this.#handle(chunk.file);
      let done = 0;
      while (done < chunk.body.byteLength) {
        const { bytesWritten } = await handle.write(chunk.body, done, chunk.body.byteLength - done, null);
        done += bytesWritten;
      }
      touched.add(chunk.file);
    }
    // A handle evicted meanwhile was fsynced before it was closed.
    await Promise.all([...touched].flatMap((f) => this.#handles.get(f)?.datasync() ?? []));
  }

  async close(): Promise<void> {
    const handles = [...this.#handles.values()];
    this.#handles.clear();
    await Promise.all(handles.map((h) => h.close()));
  }

  async #handle(file: string): Promise<FileHandle> {
    const open_ = this.#handles.get(file);
    if (open_) {
      // Most recently used last.
      this.#handles.delete(file);
      this.#handles.set(file, open_);
      return open_;
    }
    if (this.#handles.size >= MAX_OPEN_FILES) {
      const [oldestFile, oldest] = this.#handles.entries().next().value as [string, FileHandle];
      this.#handles.delete(oldestFile);
      await oldest.sync();
      await oldest.close();
    }
    await mkdir(dirname(file), { recursive: true });
    const handle = await open(file, 'a');
    this.#handles.set(file, handle);
    return handle;
  }
}
