import { Writable } from 'node:stream';
import { repoRoot } from '@lakeops/testing';
import type { CommandContext } from '../src/command.ts';

/**
 * A CommandContext whose stdout and stderr are captured as strings, for running `main([...])`
 * in-process: `const { ctx, out } = captureContext({ env: { LAKEOPS_HOME: home } })`.
 */
export function captureContext(
  options: { env?: Record<string, string>; cwd?: string; controller?: AbortController } = {},
) {
  const out = { stdout: '', stderr: '' };
  const sink = (key: 'stdout' | 'stderr') =>
    new Writable({
      write(chunk, _enc, done) {
        out[key] += String(chunk);
        done();
      },
    });
  const controller = options.controller ?? new AbortController();
  const ctx: CommandContext = {
    stdout: sink('stdout'),
    stderr: sink('stderr'),
    env: options.env ?? {},
    cwd: options.cwd ?? repoRoot,
    signal: controller.signal,
  };
  return { ctx, out, controller };
}
