import { writeFile } from 'node:fs/promises';
import { basename, dirname, extname } from 'node:path';
import { build, type Metafile } from 'esbuild';

/** The banner SST puts on ESM bundles so CommonJS dependencies can `require`. */
const banner = [
  `import { createRequire as topLevelCreateRequire } from 'module';`,
  'const require = topLevelCreateRequire(import.meta.url);',
  `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
  'const __filename = topLevelFileUrlToPath(import.meta.url)',
  'const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))',
].join('\n');

export interface Bundle {
  /** The entry file (what Lambda imports). */
  readonly file: string;
  /** Its size; with splitting, the entry chunk only (other chunks load on demand). */
  readonly bytes: number;
  /** Every output file together (the deployed zip's JavaScript). */
  readonly totalBytes: number;
  readonly metafile: Metafile;
}

/**
 * Bundles one entry as SST does for a `nodejs` function with `format: 'esm', minify: true`:
 * esbuild, platform node, ESM, target esnext, main fields module/main, everything bundled
 * (the AWS SDK too), the createRequire banner. `splitting: true` is SST's `nodejs.splitting`:
 * dynamic imports become chunks beside the entry, loaded only when reached.
 */
export async function bundleAsSst(
  entry: string,
  outFile: string,
  options: { external?: string[]; nodePaths?: string[]; splitting?: boolean } = {},
): Promise<Bundle> {
  const result = await build({
    external: options.external ?? [],
    nodePaths: options.nodePaths ?? [],
    entryPoints: [entry],
    ...(options.splitting
      ? {
          splitting: true,
          outdir: dirname(outFile),
          entryNames: basename(outFile, extname(outFile)),
          chunkNames: `${basename(outFile, extname(outFile))}-chunks/[name]-[hash]`,
          outExtension: { '.js': '.mjs' },
        }
      : { outfile: outFile }),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'esnext',
    mainFields: ['module', 'main'],
    minify: true,
    metafile: true,
    write: true,
    logLevel: 'silent',
    banner: { js: banner },
  });
  await writeFile(`${outFile}.meta.json`, JSON.stringify(result.metafile));
  const outputs = Object.entries(result.metafile.outputs).filter(([path]) => path.endsWith('.mjs'));
  const main = outputs.find(([, o]) => o.entryPoint !== undefined) ?? outputs[0];
  const totalBytes = outputs.reduce((sum, [, o]) => sum + o.bytes, 0);
  return { file: outFile, bytes: main?.[1].bytes ?? 0, totalBytes, metafile: result.metafile };
}

/**
 * Inputs of a bundle that must never reach AWS: the local engines (DuckDB, SQLite), the local
 * endpoints and adapters, the CLI, test code.
 */
export function localOnlyInputs(metafile: Metafile): string[] {
  const forbidden = [
    /node_modules\/@duckdb\//,
    /node_modules\/(better-)?sqlite3?\//,
    /(^|\/)packages\/(adapters-local|local-cloud|cli|testing)\//,
    /node_modules\/(vitest|aws-sdk-client-mock)/,
  ];
  const imports = Object.values(metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
  const fromNode = imports.filter((p) => p === 'node:sqlite' || p === 'sqlite');
  return [...Object.keys(metafile.inputs).filter((p) => forbidden.some((re) => re.test(p))), ...fromNode];
}

/**
 * The inputs that put bytes into the bundle (esbuild parses more than it keeps: a module whose
 * exports are all unused is listed in the metafile's inputs with nothing in the output).
 */
export function bundledInputs(metafile: Metafile): string[] {
  return Object.values(metafile.outputs).flatMap((o) =>
    Object.entries(o.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path),
  );
}
