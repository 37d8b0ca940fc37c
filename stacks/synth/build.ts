/**
 * Bundles an sst config the way SST does before it hands the program to Pulumi (SST 4.17.1
 * pkg/project/run.go + pkg/js: esbuild, ESM for node, `@pulumi/*` and friends external and resolved
 * from `.sst/platform/node_modules`, `inject` of the platform's shim/run.js and of the globals
 * `aws` and `sst`, `define` of `$app`, `$cli`, `$dev`), with one difference: the entry installs
 * Pulumi's mocks and the mocked CLI (runtime.ts) before it runs the program. `$app`/`$cli` point at
 * globals that runtime.ts sets from the config's `app()`, so one bundle serves every stage.
 * The bundle is cached in `.sst/platform/.lakeops-synth/` and rebuilt when any input changes.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

/** What SST marks external (pkg/js): loaded at run time from `.sst/platform/node_modules`. */
const EXTERNAL = [
  '@pulumi/*',
  'undici',
  '@pulumiverse/*',
  '@sst-provider/*',
  '@aws-sdk/*',
  'esbuild',
  'archiver',
  'glob',
  'vite',
];

/** SST's banner: `require`, `__filename`, `__dirname` in an ES module. */
const BANNER = `import { createRequire as topLevelCreateRequire } from 'module';
const require = topLevelCreateRequire(import.meta.url);
import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"
const __filename = topLevelFileUrlToPath(import.meta.url)
const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`;

interface CacheEntry {
  readonly inputs: Record<string, { readonly size: number; readonly mtimeMs: number }>;
}

async function fresh(entry: CacheEntry, root: string): Promise<boolean> {
  for (const [file, seen] of Object.entries(entry.inputs)) {
    try {
      const s = await stat(resolve(root, file));
      if (s.size !== seen.size || s.mtimeMs !== seen.mtimeMs) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** Bundles `config` (absolute path) for the synth child; returns the bundle's path. */
export async function bundleForSynth(root: string, platform: string, config: string): Promise<string> {
  const posix = (p: string) => p.split('\\').join('/');
  // SST injects the globals `aws` and `sst` as imports; a global object does the same for the
  // stacks (they read them when run() runs) without injecting them into the platform's own files.
  const entryCode = `
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as sst from ${JSON.stringify(posix(join(platform, 'src/components/index.ts')))};
import { run } from ${JSON.stringify(posix(join(platform, 'src/auto/run.ts')))};
import * as config from ${JSON.stringify(posix(config))};
import { synthInChild } from ${JSON.stringify(posix(join(here, 'runtime.ts')))};
Object.assign(globalThis, { aws, sst });
await synthInChild({ ...JSON.parse(process.env.LAKEOPS_SYNTH_ARGS ?? "{}"), pulumi, config, sstRun: run });
`;
  const key = createHash('sha256')
    .update(JSON.stringify([root, config, entryCode, BANNER, RANDOM_SUFFIX, STABLE_SUFFIX]))
    .digest('hex')
    .slice(0, 16);
  const dir = join(platform, '.lakeops-synth');
  const outfile = join(dir, `synth-${key}.mjs`);
  const cacheFile = join(dir, `synth-${key}.inputs.json`);
  try {
    const entry = JSON.parse(await readFile(cacheFile, 'utf8')) as CacheEntry;
    if ((await fresh(entry, root)) && (await stat(outfile).catch(() => undefined))) return outfile;
  } catch {
    // no cache yet
  }
  await mkdir(dir, { recursive: true });
  const partial = `${outfile}.${process.pid}.${Date.now()}.partial.mjs`;
  const result = await build({
    stdin: { contents: entryCode, resolveDir: root, sourcefile: 'synth-entry.ts', loader: 'ts' },
    absWorkingDir: root,
    bundle: true,
    format: 'esm',
    platform: 'node',
    mainFields: ['module', 'main'],
    nodePaths: [join(platform, 'node_modules')],
    external: EXTERNAL,
    // SST defines $app/$cli as JSON literals; here they are set from the child's arguments before
    // any module runs (components read $app when they load), so one bundle serves every stage.
    banner: {
      js: `${BANNER}\nObject.assign(globalThis, JSON.parse(process.env.LAKEOPS_SYNTH_ARGS ?? "{}").globals);`,
    },
    define: { $app: 'globalThis.$lakeopsSynthApp', $cli: 'globalThis.$lakeopsSynthCli', $dev: 'false' },
    inject: [join(platform, 'src/shim/run.js')],
    plugins: [stablePhysicalNames(platform)],
    // Built under a unique name and renamed into place: concurrent synths never read half a file.
    outfile: partial,
    sourcemap: 'inline',
    metafile: true,
    logLevel: 'silent',
    write: true,
  }).catch((error: unknown) => {
    throw new Error(`synth: esbuild could not bundle ${config}: ${String(error)}`, { cause: error });
  });
  await rename(partial, outfile);
  const inputs: CacheEntry['inputs'] = {};
  for (const file of Object.keys(result.metafile.inputs)) {
    if (file.includes(':')) continue;
    const s = await stat(resolve(root, file)).catch(() => undefined);
    if (s) inputs[file] = { size: s.size, mtimeMs: s.mtimeMs };
  }
  await writeFile(cacheFile, JSON.stringify({ inputs } satisfies CacheEntry));
  return outfile;
}

const RANDOM_SUFFIX = 'crypto.randomBytes(8).toString("hex")';
const STABLE_SUFFIX = 'crypto.createHash("sha256").update(name + "|" + suffix).digest("hex").slice(0, 16)';

/**
 * SST suffixes every physical name with random bytes (`physicalName` in the platform's naming.ts).
 * Resources are registered concurrently, so a seeded stream still hands the suffixes out in a
 * different order from run to run. Here the suffix is a hash of the logical name instead: the same
 * app and stage give the same names on every run, whatever the order. Fails loudly when SST's
 * naming.ts no longer has the expected line (a new SST version).
 */
function stablePhysicalNames(platform: string): Plugin {
  const naming = join(platform, 'src/components/naming.ts');
  return {
    name: 'lakeops-stable-physical-names',
    setup(b) {
      b.onLoad({ filter: /[\\/]components[\\/]naming\.ts$/ }, async (args) => {
        if (args.path !== naming) return undefined;
        const source = await readFile(args.path, 'utf8');
        if (!source.includes(RANDOM_SUFFIX))
          throw new Error(`synth: ${naming} no longer draws its suffix with ${RANDOM_SUFFIX}`);
        return { contents: source.replace(RANDOM_SUFFIX, STABLE_SUFFIX), loader: 'ts' };
      });
    },
  };
}
