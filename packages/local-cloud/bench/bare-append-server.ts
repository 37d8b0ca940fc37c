// The bench's "before": a bare HTTP server that only appends each PutEvents body to one file and
// fsyncs it before it answers (one fsync per request), on 127.0.0.1 like the endpoint.
// Usage: node bare-append-server.ts <file>; prints `READY <url>`; exits on SIGTERM.
import { open } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const file = process.argv[2];
if (!file) throw new Error('usage: bare-append-server.ts <file>');
const handle = await open(file, 'a');
const answer = Buffer.from('{"FailedEntryCount":0,"Entries":[]}');

async function append(body: Buffer): Promise<void> {
  await handle.write(body, 0, body.byteLength, null);
  await handle.datasync();
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat([...chunks, Buffer.from('\n')]);
    append(body).then(
      () => {
        res.writeHead(200, {
          'Content-Type': 'application/x-amz-json-1.1',
          'Content-Length': answer.byteLength,
        });
        res.end(answer);
      },
      () => res.destroy(),
    );
  });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`READY http://127.0.0.1:${port}\n`);
});
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void handle.close().then(() => process.exit(0));
});
