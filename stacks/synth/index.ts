/**
 * The synth harness: runs an SST app (sst.config.ts `run()`, SST 4.17.1's real components from
 * `.sst/platform`) under Pulumi's mock runtime in a child process and returns every resource the
 * cloud provider would be asked to create, with its final inputs. Offline, no AWS credentials.
 *
 *   const resources = await synthesize({ stage: 'ci' });
 *   resources.filter((r) => r.type === 'aws:cloudwatch/eventRule:EventRule');
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { cliFor, loadApp } from './app.ts';
import { bundleForSynth } from './build.ts';
import { ensureSstPlatform, platformPaths, platformReady, repoRoot } from './platform.ts';
import type { SynthOptions, SynthResource } from './types.ts';

export { ensureSstPlatform, platformReady, SstPlatformInstallError } from './platform.ts';
export type { SynthOptions, SynthResource } from './types.ts';

/** The synth could not run the app (missing platform, an error in the stacks, a timeout). */
export class SynthFailedError extends Error {
  readonly code: 'SynthPlatformMissing' | 'SynthFailed' | 'SynthTimeout';
  readonly retryable = false;
  constructor(code: SynthFailedError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SynthFailedError';
    this.code = code;
  }
}

/** Runs the app's stacks under Pulumi's mocks; resources sorted by type, then name. */
export async function synthesize(options: SynthOptions = {}): Promise<SynthResource[]> {
  const root = options.root ?? repoRoot;
  const stage = options.stage ?? 'synth';
  const config = resolve(root, options.config ?? 'sst.config.ts');
  const paths = platformPaths(root);
  if (options.install === false) {
    if (!(await platformReady(root))) {
      throw new SynthFailedError(
        'SynthPlatformMissing',
        `SST's platform is not installed in ${paths.platform}: run \`npm run sst:platform\` (needs the npm registry)`,
      );
    }
  } else {
    await ensureSstPlatform({ root });
  }
  const bundle = await bundleForSynth(root, paths.platform, config);
  await mkdir(join(root, '.sst'), { recursive: true });
  const work = await mkdtemp(join(root, '.sst', 'synth-'));
  try {
    const out = join(work, 'resources.json');
    const app = await loadApp(config, stage, join(paths.platform, '.lakeops-synth'));
    const globals = {
      $lakeopsSynthApp: app,
      $lakeopsSynthCli: cliFor({ root, work, platform: paths.platform }),
    };
    const args = { root, work, out, globals };
    const secrets = Object.fromEntries(
      Object.entries(options.secrets ?? {}).map(([k, v]) => [`SST_SECRET_${k}`, v]),
    );
    await runChild(
      bundle,
      {
        ...process.env,
        ...secrets,
        LAKEOPS_SYNTH_ARGS: JSON.stringify(args),
        SST_TELEMETRY_DISABLED: '1',
        NODE_OPTIONS: '--enable-source-maps --no-deprecation --no-warnings',
      },
      options.timeoutMs ?? 120_000,
    );
    return JSON.parse(await readFile(out, 'utf8')) as SynthResource[];
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function runChild(bundle: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    // process.execPath: the Node 24 running us (npm/npx put node@24 first on PATH).
    const child = spawn(process.execPath, [bundle], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new SynthFailedError('SynthTimeout', `synth did not finish in ${timeoutMs} ms\n${output}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new SynthFailedError('SynthFailed', `could not start node: ${error.message}`, { cause: error }));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise();
      else
        reject(
          new SynthFailedError(
            'SynthFailed',
            `the app failed under the mocks (exit ${code ?? signal}):\n${output.trim()}`,
          ),
        );
    });
  });
}
