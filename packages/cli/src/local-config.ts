import { isAbsolute, join, resolve } from 'node:path';
import type { CommandContext } from './command.ts';

/**
 * The local composition root's view of the environment: every `process.env` read of the embedded
 * default goes through here (the AWS side has its own in `functions/lib`).
 */
export interface LocalConfig {
  /** Where the local lake, state, outbox and logs live (`LAKEOPS_HOME`, default `./.lakeops`). */
  readonly home: string;
  /** Port of the local AWS endpoint (`LAKEOPS_PORT`, default 4010). */
  readonly port: number;
  /** Region the SDK client signs for when talking to an endpoint (`AWS_REGION`, default us-east-1). */
  readonly region: string;
  /** The working directory: `permissions/policy.ts` is read from it (default: the process's). */
  readonly cwd?: string;
  /**
   * The experiment definitions (an AWS.AppConfig.FeatureFlags document) the daily analysis reads
   * (`LAKEOPS_EXPERIMENTS_FILE`, default `examples/experiments.json` in the working directory).
   */
  readonly experimentsFile: string;
}

export function localConfig(ctx: Pick<CommandContext, 'env' | 'cwd'>): LocalConfig {
  const rawHome = ctx.env.LAKEOPS_HOME;
  const home = rawHome
    ? isAbsolute(rawHome)
      ? rawHome
      : resolve(ctx.cwd, rawHome)
    : join(ctx.cwd, '.lakeops');
  const rawPort = ctx.env.LAKEOPS_PORT;
  const port = rawPort === undefined || rawPort === '' ? 4010 : Number(rawPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`LAKEOPS_PORT must be a port number (0-65535), got '${rawPort}'`);
  }
  const experimentsFile = resolve(ctx.cwd, ctx.env.LAKEOPS_EXPERIMENTS_FILE || 'examples/experiments.json');
  return { home, port, region: ctx.env.AWS_REGION || 'us-east-1', experimentsFile, cwd: ctx.cwd };
}

/** `LAKEOPS_NRT_RETENTION_DAYS`: a whole number of days ≥ 0 (0 keeps every day); undefined when unset. */
export function nrtRetentionDaysOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const days = Number(value);
  if (value.trim() === '' || !Number.isInteger(days) || days < 0)
    throw new RangeError(`LAKEOPS_NRT_RETENTION_DAYS must be a whole number of days ≥ 0, got '${value}'`);
  return days;
}
