// A closed pipe ends a command quietly, as Unix tools do: `lakeops … | head` never prints a stack.
// Real child processes, run by bash with `pipefail` so the exit status is lakeops's own.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@lakeops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = join(repoRoot, 'packages/cli/bin/lakeops.js');

/** Runs `lakeops <args> | <reader>` in bash; resolves with lakeops's exit status and its stderr. */
function piped(args: string, reader: string, home: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'bash',
      ['-c', `set -o pipefail; "${process.execPath}" "${bin}" ${args} | ${reader} >/dev/null`],
      {
        env: { ...process.env, LAKEOPS_HOME: home },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}

describe('a closed pipe', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'lakeops-pipe-'));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it.each([
    ['query, reader gone before the first write', `query "SELECT * FROM range(200000)"`, 'true'],
    ['query, reader gone after one line', `query "SELECT * FROM range(200000)"`, 'head -1'],
    ['query --json, reader gone after one line', `query --json "SELECT * FROM range(200000)"`, 'head -1'],
    ['schemas list', 'schemas list', 'true'],
    ['--help', '--help', 'true'],
    ['query --help', 'query --help', 'true'],
  ])('ends %s with exit 0 or 141 and no stack', async (_what, args, reader) => {
    // Act
    const { code, stderr } = await piped(args, reader, home);
    // Assess
    expect(stderr).toBe('');
    expect([0, 141]).toContain(code);
  });
});
