import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DependencyUnavailableError, type SaltSource } from '@lakeops/core';

/**
 * The DSAR hash salt locally: a file under `LAKEOPS_HOME` (`secrets/dsar-salt`, mode 0600),
 * 32 random bytes made on first use: written whole to a temporary file, then hard-linked into
 * place (fails if the salt exists), so two processes starting at once agree on one salt and
 * never read a half-written one. Deleting it makes every stored hash unmatchable: back it up with the state file.
 *
 * @example
 * ```ts
 * const salt = new FileSaltSource({ file: join(home, 'secrets', 'dsar-salt') });
 * ```
 */
export class FileSaltSource implements SaltSource {
  private readonly file: string;
  private cached: string | undefined;
  constructor(options: { file: string }) {
    this.file = options.file;
  }

  async get(): Promise<string> {
    if (this.cached !== undefined) return this.cached;
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    try {
      await writeFile(temp, randomBytes(32).toString('base64url'), { flag: 'wx', mode: 0o600 });
      await link(temp, this.file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new DependencyUnavailableError('could not create the DSAR salt file', { cause: error });
      }
    } finally {
      await rm(temp, { force: true });
    }
    const salt = (await readFile(this.file, 'utf8')).trim();
    if (salt.length < 16)
      throw new DependencyUnavailableError(`the DSAR salt file ${this.file} is empty or too short`);
    this.cached = salt;
    return salt;
  }
}
