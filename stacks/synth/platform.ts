/**
 * SST's platform (`.sst/platform`: SST's components and the npm-installed Pulumi packages), written
 * by `sst install` without the internet beyond the npm registry. SST itself would download bun and
 * pulumi from GitHub; here bun comes from the npm registry (`@oven/bun-<os>-<arch>`) and pulumi is
 * a stub that only answers `pulumi version` (`sst install` checks it and never runs it). Everything
 * lives in the gitignored `.sst/`: SST's config home is `.sst/offline-home`, never `~/.config/sst`.
 */
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository root (stacks/synth/ → ../..). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** The bun SST 4.17.1 installs with (its `BUN_VERSION`); the platform is installed by bun. */
export const BUN_VERSION = '1.2.1';
/** The pulumi version SST 4.17.1 pins; the stub answers it so `sst install` accepts it. */
export const PULUMI_VERSION = 'v3.215.0';

/** `sst install` could not write `.sst/platform`. */
export class SstPlatformInstallError extends Error {
  readonly code = 'SstPlatformInstall';
  readonly retryable: boolean;
  constructor(message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SstPlatformInstallError';
    this.retryable = options.retryable;
  }
}

export interface PlatformPaths {
  readonly root: string;
  /** `.sst/platform` */
  readonly platform: string;
  /** SST's config home for the offline install (XDG_CONFIG_HOME): `.sst/offline-home`. */
  readonly home: string;
  /** `.sst/offline-home/sst/bin`: bun and the pulumi stub. */
  readonly bin: string;
}

export function platformPaths(root = repoRoot): PlatformPaths {
  const home = join(root, '.sst', 'offline-home');
  return { root, platform: join(root, '.sst', 'platform'), home, bin: join(home, 'sst', 'bin') };
}

/** The `sst` version in node_modules (package.json pins it): the platform must match it. */
export async function sstVersion(root = repoRoot): Promise<string> {
  // `sst` exports no ./package.json: find its folder from its main module (dist/index.js).
  const main = createRequire(join(root, 'package.json')).resolve('sst');
  const pkg = JSON.parse(await readFile(join(dirname(main), '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** True when `.sst/platform` was written by the pinned SST and has its Pulumi packages. */
export async function platformReady(root = repoRoot): Promise<boolean> {
  const { platform } = platformPaths(root);
  try {
    const [installed, wanted] = await Promise.all([
      readFile(join(platform, 'version'), 'utf8'),
      sstVersion(root),
    ]);
    await readFile(join(platform, 'node_modules', '@pulumi', 'aws', 'package.json'));
    await readFile(join(platform, 'node_modules', '@pulumi', 'pulumi', 'package.json'));
    return installed.trim() === wanted;
  } catch {
    return false;
  }
}

/** The npm package with bun's binary for this machine (bun publishes one per os, arch and libc). */
export function bunPackage(platform = process.platform, arch = process.arch, musl = isMusl()): string {
  const os = platform === 'win32' ? 'windows' : platform;
  if (os !== 'linux' && os !== 'darwin' && os !== 'windows') {
    throw new SstPlatformInstallError(`no bun build for ${platform}; SST supports linux, macOS, Windows`, {
      retryable: false,
    });
  }
  const cpu = arch === 'x64' ? 'x64' : arch === 'arm64' ? 'aarch64' : undefined;
  if (!cpu) throw new SstPlatformInstallError(`no bun build for ${arch}`, { retryable: false });
  return `@oven/bun-${os}-${cpu}${os === 'linux' && musl ? '-musl' : ''}`;
}

function isMusl(): boolean {
  if (process.platform !== 'linux') return false;
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return !report?.header?.glibcVersionRuntime;
}

/** The SST CLI binary of this machine, installed by npm as an optional dependency of `sst`. */
function sstBinary(root: string): string {
  const require = createRequire(join(root, 'package.json'));
  const name = `sst-${process.platform}-${process.arch}`;
  try {
    return require.resolve(`${name}/bin/${process.platform === 'win32' ? 'sst.exe' : 'sst'}`);
  } catch (cause) {
    throw new SstPlatformInstallError(`the SST CLI for this machine (${name}) is not installed: run npm ci`, {
      retryable: false,
      cause,
    });
  }
}

async function ensureBun(paths: PlatformPaths): Promise<void> {
  const bun = join(paths.bin, process.platform === 'win32' ? 'bun.exe' : 'bun');
  try {
    const { stdout } = await run(bun, ['--version']);
    if (stdout.trim() === BUN_VERSION) return;
  } catch {
    // missing or broken: fetch it below
  }
  const pkg = `${bunPackage()}@${BUN_VERSION}`;
  const work = await mkdtemp(join(tmpdir(), 'lakeops-bun-'));
  try {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const { stdout } = await run(npm, ['pack', pkg, '--silent', '--pack-destination', work], {
      shell: process.platform === 'win32',
    }).catch((cause: unknown) => {
      throw new SstPlatformInstallError(`npm pack ${pkg} failed (is the npm registry reachable?)`, {
        retryable: true,
        cause,
      });
    });
    const tarball = join(work, stdout.trim().split('\n').pop() ?? '');
    await run('tar', ['-xzf', tarball, '-C', work]);
    await copyFile(join(work, 'package', 'bin', process.platform === 'win32' ? 'bun.exe' : 'bun'), bun);
    await chmod(bun, 0o755);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Makes `.sst/platform` match the pinned SST (a no-op when it does): bun from the npm registry,
 * a pulumi stub, then `sst install --stage <stage>` with SST's config home in `.sst/`.
 * Returns whether it installed and how long it took.
 */
export async function ensureSstPlatform(
  options: { root?: string; stage?: string; log?: (line: string) => void } = {},
): Promise<{ installed: boolean; seconds: number }> {
  const root = options.root ?? repoRoot;
  const t0 = performance.now();
  if (await platformReady(root)) return { installed: false, seconds: 0 };
  // Test files, the CLI and the typecheck may all get here at once on a clean clone: one installs.
  return withInstallLock(root, async () => {
    if (await platformReady(root)) return { installed: false, seconds: (performance.now() - t0) / 1000 };
    await install(root, options);
    return { installed: true, seconds: (performance.now() - t0) / 1000 };
  });
}

/** Runs `fn` holding `.sst/platform-install.lock` (a directory: mkdir is atomic); waits for it. */
async function withInstallLock<T>(root: string, fn: () => Promise<T>): Promise<T> {
  const lock = join(root, '.sst', 'platform-install.lock');
  await mkdir(dirname(lock), { recursive: true });
  for (const started = Date.now(); ; ) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
      // An install takes seconds to a minute; a lock older than 10 minutes is a crashed one.
      const age = Date.now() - ((await stat(lock).catch(() => undefined))?.mtimeMs ?? Date.now());
      if (age > 600_000) await rm(lock, { recursive: true, force: true });
      if (Date.now() - started > 900_000) {
        throw new SstPlatformInstallError(`timed out waiting for ${lock}`, { retryable: true });
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

async function install(
  root: string,
  options: { stage?: string; log?: (line: string) => void },
): Promise<void> {
  const paths = platformPaths(root);
  options.log?.(`installing SST's platform into ${paths.platform} (sst install, npm registry only)`);
  await mkdir(paths.bin, { recursive: true });
  if (process.platform === 'win32') {
    await writeFile(join(paths.bin, 'pulumi.cmd'), `@echo ${PULUMI_VERSION}\r\n`);
  } else {
    await writeFile(join(paths.bin, 'pulumi'), `#!/bin/sh\necho ${PULUMI_VERSION}\n`);
    await chmod(join(paths.bin, 'pulumi'), 0o755);
  }
  await ensureBun(paths);
  const env = {
    ...process.env,
    XDG_CONFIG_HOME: paths.home,
    // bun's package cache, otherwise ~/.bun/install/cache
    BUN_INSTALL_CACHE_DIR: join(paths.home, 'bun-cache'),
    SST_TELEMETRY_DISABLED: '1',
    DO_NOT_TRACK: '1',
  };
  try {
    await run(sstBinary(root), ['install', '--stage', options.stage ?? 'ci'], { cwd: root, env });
  } catch (cause) {
    const detail = (cause as { stderr?: string; stdout?: string }).stderr?.trim() ?? '';
    throw new SstPlatformInstallError(
      `sst install failed${detail ? `: ${detail.split('\n').slice(-3).join(' ')}` : ''}`,
      { retryable: true, cause },
    );
  }
  if (!(await platformReady(root))) {
    throw new SstPlatformInstallError('sst install finished but .sst/platform is incomplete', {
      retryable: false,
    });
  }
}
