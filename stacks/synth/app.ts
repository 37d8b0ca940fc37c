/**
 * `$app` and `$cli` as SST computes them before it runs a program (pkg/project: the config's
 * `app({ stage })`, then run.go's `$cli` for `deploy`). The config is bundled on its own with a
 * local `$config` (its `run()` and everything it imports are left out) and evaluated here.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

export interface SstApp {
  readonly name: string;
  readonly stage: string;
  readonly removal: 'remove' | 'retain' | 'retain-all';
  readonly providers: Record<string, unknown>;
  readonly home: string;
  readonly protect: boolean;
}

interface AppConfig {
  readonly name: string;
  readonly home: string;
  readonly removal?: SstApp['removal'];
  readonly protect?: boolean;
  readonly providers?: Record<string, unknown>;
}

export async function loadApp(config: string, stage: string, scratch: string): Promise<SstApp> {
  await mkdir(scratch, { recursive: true });
  const outfile = join(scratch, `app-${process.pid}-${Date.now()}.mjs`);
  try {
    await build({
      entryPoints: [config],
      bundle: true,
      format: 'esm',
      platform: 'node',
      outfile,
      logLevel: 'silent',
      banner: { js: 'const $config = (input) => input;' },
      plugins: [
        {
          name: 'config-only',
          setup(b) {
            // Only the config file itself: run()'s imports (the stacks) are never evaluated here.
            b.onResolve({ filter: /.*/ }, (args) =>
              args.kind === 'entry-point' ? undefined : { path: args.path, external: true },
            );
          },
        },
      ],
    });
    const mod = (await import(pathToFileURL(outfile).href)) as {
      default: { app(input: { stage: string }): AppConfig | Promise<AppConfig> };
    };
    const app = await mod.default.app({ stage });
    // SST stores a provider given as a version string as { version } and always adds the home one.
    const providers = Object.fromEntries(
      Object.entries(app.providers ?? {}).map(([k, v]) => [k, typeof v === 'string' ? { version: v } : v]),
    );
    if (app.home !== 'local' && !(app.home in providers)) providers[app.home] = {};
    return {
      name: app.name,
      stage,
      removal: app.removal ?? 'retain',
      providers,
      home: app.home,
      protect: Boolean(app.protect),
    };
  } finally {
    await rm(outfile, { force: true });
  }
}

/** SST's `$cli` for `sst deploy` (run.go), with its paths in the synth's scratch directory. */
export function cliFor(paths: { root: string; work: string; platform: string }) {
  return {
    command: 'deploy',
    dev: false,
    paths: { home: join(paths.work, 'home'), root: paths.root, work: paths.work, platform: paths.platform },
    state: { version: {} },
  };
}
