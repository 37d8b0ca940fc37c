// The worker thread that owns the SQLite journal, so its commits (and their fsync) never block
// the thread that serves HTTP. Messages are handled in order; see ThreadedBusJournal.
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteBusJournal } from './sqlite-bus-journal.ts';

interface Init {
  readonly file: string;
  readonly owner: string;
}

type Message =
  | { readonly seq: number; readonly op: 'record'; readonly args: Parameters<SqliteBusJournal['record']> }
  | { readonly seq: number; readonly op: 'claimOrphans'; readonly alive: string[] }
  | { readonly seq: number; readonly op: 'close' }
  | { readonly op: 'done'; readonly ids: number[] }
  | { readonly op: 'written'; readonly chunks: Parameters<SqliteBusJournal['written']>[0] }
  | { readonly op: 'retryLater'; readonly args: Parameters<SqliteBusJournal['retryLater']> }
  | { readonly op: 'flush' };

const port = parentPort;
if (!port) throw new Error('journal-worker.ts runs as a worker thread');
const init = workerData as Init;
let journal: SqliteBusJournal | undefined;
try {
  journal = new SqliteBusJournal(init);
  port.postMessage({ seq: 0, ok: true });
} catch (error) {
  port.postMessage({ seq: 0, ok: false, error: describe(error) });
}

port.on('message', (message: Message) => {
  const j = journal;
  if (!j) return;
  try {
    switch (message.op) {
      case 'record':
        port.postMessage({ seq: message.seq, ok: true, value: j.record(...message.args) });
        return;
      case 'claimOrphans':
        port.postMessage({ seq: message.seq, ok: true, value: j.claimOrphans(new Set(message.alive)) });
        return;
      case 'close':
        j.close();
        port.postMessage({ seq: message.seq, ok: true });
        return;
      case 'done':
        j.done(message.ids);
        return;
      case 'written':
        j.written(message.chunks);
        return;
      case 'retryLater':
        j.retryLater(...message.args);
        return;
      case 'flush':
        j.flushSoon(); // see SqliteBusJournal.flushSoon
        return;
    }
  } catch (error) {
    port.postMessage({ seq: 'seq' in message ? message.seq : -1, ok: false, error: describe(error) });
  }
});

function describe(error: unknown): { message: string; code?: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { message: error.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { message: String(error) };
}
