import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SCHEMA_DIALECT, schemaId } from '../../src/index.ts';

/** A throw-away git repository with the lakeops schema layout, for the evolution gate's tests. */
export class TempRepo {
  readonly dir = mkdtempSync(join(tmpdir(), 'lakeops-gate-'));

  constructor() {
    this.git('init', '-q', '-b', 'main');
    this.git('config', 'user.email', 'gate@test.invalid');
    this.git('config', 'user.name', 'gate test');
    this.git('config', 'commit.gpgsign', 'false');
  }

  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  write(path: string, content: unknown): this {
    const target = join(this.dir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
    return this;
  }

  remove(path: string): this {
    rmSync(join(this.dir, path));
    return this;
  }

  /** Writes `<type>.v<N>.schema.json` (and its examples file) from a list of properties. */
  schema(
    detailType: string,
    version: number,
    properties: Record<string, unknown>,
    required: string[] = [],
  ): this {
    const base = `packages/contracts/events/${detailType}.v${version}`;
    this.write(`${base}.schema.json`, eventSchema(detailType, version, properties, required));
    return this.write(`${base}.examples.json`, { valid: [], invalid: [] });
  }

  commit(message: string): string {
    this.git('add', '-A');
    this.git('commit', '-q', '-m', message);
    return this.git('rev-parse', 'HEAD').trim();
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function eventSchema(
  detailType: string,
  version: number,
  properties: Record<string, unknown>,
  required: string[] = [],
): Record<string, unknown> {
  return {
    $schema: SCHEMA_DIALECT,
    $id: schemaId(detailType, version),
    title: `${detailType} v${version}`,
    type: 'object',
    additionalProperties: false,
    required: ['v', ...required],
    properties: { v: { const: version }, ...properties },
  };
}
