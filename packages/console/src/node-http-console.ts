import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { ConsoleAsset, ConsoleDeps } from './console-deps.ts';
import { consoleMaxBodyBytes, handleConsoleRequest } from './handle-console-request.ts';

const require = createRequire(import.meta.url);

/** The files the pages load: uPlot from node_modules (works offline), the console's own from assets/. */
const assetFiles: Readonly<Record<string, { path: () => string; contentType: string }>> = {
  'uPlot.iife.min.js': {
    path: () => require.resolve('uplot/dist/uPlot.iife.min.js'),
    contentType: 'text/javascript; charset=utf-8',
  },
  'uPlot.min.css': {
    path: () => require.resolve('uplot/dist/uPlot.min.css'),
    contentType: 'text/css; charset=utf-8',
  },
  'console.js': {
    path: () => new URL('../assets/console.js', import.meta.url).pathname,
    contentType: 'text/javascript; charset=utf-8',
  },
  'console.css': {
    path: () => new URL('../assets/console.css', import.meta.url).pathname,
    contentType: 'text/css; charset=utf-8',
  },
};

/** The console's assets read from disk once, then kept. */
export function fileConsoleAssets(): ConsoleDeps['asset'] {
  const cache = new Map<string, Promise<ConsoleAsset>>();
  return async (name) => {
    const file = Object.hasOwn(assetFiles, name) ? assetFiles[name] : undefined;
    if (!file) return undefined;
    let asset = cache.get(name);
    if (!asset) {
      asset = readFile(file.path(), 'utf8').then((body) => ({ body, contentType: file.contentType }));
      cache.set(name, asset);
    }
    return asset;
  };
}

async function readBody(req: IncomingMessage, max: number): Promise<{ body: string; tooLarge: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) tooLarge = true;
    else chunks.push(chunk);
  }
  return { body: tooLarge ? '' : Buffer.concat(chunks).toString('utf8'), tooLarge };
}

/**
 * The console as a service on the local endpoint's port (`EventBridgeEndpoint`'s `otherService`):
 * it takes every request whose path is `/console` or under it.
 *
 * @example
 * ```ts
 * const console = consoleHttpService(deps);
 * await EventBridgeEndpoint.start({ bus, port: 4010, otherService: console });
 * ```
 */
export function consoleHttpService(deps: ConsoleDeps, options: { onError?: (error: unknown) => void } = {}) {
  return {
    handles(req: IncomingMessage): boolean {
      const path = (req.url ?? '').split('?')[0] ?? '';
      return path === '/console' || path.startsWith('/console/');
    },
    async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const declared = Number(req.headers['content-length'] ?? 0);
      const { body, tooLarge } =
        declared > consoleMaxBodyBytes
          ? { body: '', tooLarge: true }
          : await readBody(req, consoleMaxBodyBytes);
      const answer = await handleConsoleRequest(
        deps,
        {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          contentType: req.headers['content-type'],
          body,
          tooLarge,
        },
        options.onError,
      );
      // An oversized body is not read: close the connection after answering.
      if (tooLarge) res.setHeader('connection', 'close');
      res.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
      res.end(answer.body);
    },
  };
}
