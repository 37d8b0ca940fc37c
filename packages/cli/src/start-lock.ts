import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { LakeopsError } from '@lakeops/core';

/** Another `lakeops start` holds this LAKEOPS_HOME. */
export class HomeInUseError extends LakeopsError {
  /** The process holding it, when it has written its PID yet. */
  readonly pid: number | undefined;
  constructor(home: string, pid: number | undefined, options: { cause?: unknown } = {}) {
    super(
      'HomeInUse',
      `${home} is in use by another lakeops start${pid === undefined ? '' : ` (pid ${pid})`}; stop it first, or set another LAKEOPS_HOME`,
      { retryable: true, ...options },
    );
    this.pid = pid;
  }
}

export interface StartLock {
  /** Lets the next `lakeops start` in. */
  release(): void;
}

/**
 * One `lakeops start` per LAKEOPS_HOME. The lock is an OS file lock: SQLite's exclusive lock
 * (`BEGIN EXCLUSIVE` in `locking_mode = EXCLUSIVE`, POSIX advisory locks on
 * `<home>/start.lock`), held for the life of the process. The kernel drops it when the process
 * ends in any way (SIGKILL, a crash, a power cut), so a dead holder never leaves it stuck, and
 * PID reuse cannot fake a holder. The holder writes its PID to `<home>/start.pid` so a refused
 * start can name it.
 *
 * @example
 * ```ts
 * const lock = acquireStartLock(config.home); // throws HomeInUseError naming the holder's PID
 * try { … } finally { lock.release(); }
 * ```
 */
export function acquireStartLock(home: string): StartLock {
  mkdirSync(home, { recursive: true });
  const pidFile = join(home, 'start.pid');
  const db = new DatabaseSync(join(home, 'start.lock'), { timeout: 0 });
  try {
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    throw new HomeInUseError(home, holderPid(pidFile), { cause: error });
  }
  writeFileSync(pidFile, `${process.pid}\n`);
  return {
    release() {
      if (holderPid(pidFile) === process.pid) rmSync(pidFile, { force: true });
      db.close();
    },
  };
}

function holderPid(pidFile: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
