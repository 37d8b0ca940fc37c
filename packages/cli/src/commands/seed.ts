import { buildLake, seedBronze, seedLimits } from '@lakeops/lake';
import { CliUsageError, type Command } from '../command.ts';
import { asUsageError, openLocalLake, parseOptions, progressPrinter } from '../lake.ts';
import { localConfig } from '../local-config.ts';

const help = `Usage: lakeops seed [--days N] [--users N] [--seed N] [--end YYYY-MM-DD] [--exp-effect E] [--exp-start-day N] [--no-build]

Writes a synthetic services marketplace into the local lake's Bronze zone (events as NDJSON,
validated against their contracts, plus daily account/service/campaign/city exports), then builds
Silver and Gold. Deterministic for a seed; the data ends now (UTC) unless --end is given.
Replaces the Bronze data already there.

Options:
  --days N       days of history ending today (${seedLimits.days.min}-${seedLimits.days.max}, default 14)
  --users N      buyers (${seedLimits.users.min}-${seedLimits.users.max}, default 5000; sellers are added, one per ten)
  --seed N       random seed (default 42)
  --end DATE     last day (YYYY-MM-DD, whole day); default: today up to now
  --exp-effect E a true effect for the seeded experiment search-ranking-v3 (started mid-window):
                 treated users' booking amounts × (1 + E) after their first exposure, e.g. 0.03
                 for +3 % GMV per user (-0.5 to 1; default 0, no effect)
  --exp-start-day N the day (0 = the first) the seeded experiment starts on; the days before are
                 its pre-period (default: the middle of the window)
  --no-build     only write Bronze
Lake: $LAKEOPS_HOME/lake (default ./.lakeops/lake).`;

function wholeNumber(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new CliUsageError(`--${name} must be a whole number from ${min} to ${max}, got '${raw}'`);
  }
  return value;
}

export function parseEndDay(raw: string | undefined): Date | undefined {
  if (raw === undefined) return undefined;
  const end = /^\d{4}-\d{2}-\d{2}$/.test(raw) ? new Date(`${raw}T23:59:59.999Z`) : new Date(Number.NaN);
  if (Number.isNaN(end.getTime()) || end.toISOString().slice(0, 10) !== raw) {
    throw new CliUsageError(`--end must be a date YYYY-MM-DD, got '${raw}'`);
  }
  return end;
}

export const seedCommand: Command = {
  name: 'seed',
  summary: 'Seed the local lake with a synthetic marketplace, then build Silver and Gold',
  help,
  async run(args, ctx) {
    const { values } = parseOptions(args, {
      days: { type: 'string' },
      users: { type: 'string' },
      seed: { type: 'string' },
      end: { type: 'string' },
      'exp-effect': { type: 'string' },
      'exp-start-day': { type: 'string' },
      'no-build': { type: 'boolean' },
    });
    const days = wholeNumber('days', values.days, 14, seedLimits.days.min, seedLimits.days.max);
    const users = wholeNumber('users', values.users, 5000, seedLimits.users.min, seedLimits.users.max);
    const seed = wholeNumber('seed', values.seed, 42, 0, 2 ** 32 - 1);
    const end = parseEndDay(values.end);
    const rawEffect = values['exp-effect'];
    const effect = rawEffect === undefined ? 0 : Number(rawEffect);
    if (rawEffect !== undefined && (rawEffect.trim() === '' || !(effect >= -0.5 && effect <= 1)))
      throw new CliUsageError(`--exp-effect must be a number from -0.5 to 1, got '${rawEffect}'`);
    const rawStart = values['exp-start-day'];
    const startDay =
      rawStart === undefined ? undefined : wholeNumber('exp-start-day', rawStart, 0, 0, days - 1);
    const { home } = localConfig(ctx);
    const progress = progressPrinter(ctx.stderr);
    const lake = await openLocalLake(home);
    try {
      const started = performance.now();
      const seeded = await seedBronze(
        { store: lake.store },
        {
          days,
          users,
          seed,
          progress,
          signal: ctx.signal,
          ...(end ? { end } : {}),
          ...(effect === 0 ? {} : { experimentEffect: effect }),
          ...(startDay === undefined ? {} : { experimentStartDay: startDay }),
        },
      );
      const seedSeconds = (performance.now() - started) / 1000;
      ctx.stdout.write(
        `seeded ${seeded.events.toLocaleString('en-US')} events over ${days} days (${seeded.days[0]} … ${seeded.days.at(-1)}) in ${seedSeconds.toFixed(1)} s (${Math.round(seeded.events / seedSeconds).toLocaleString('en-US')} events/s) into ${lake.root}\n`,
      );
      if (values['no-build'] === true) return 0;
      const buildStarted = performance.now();
      const built = await buildLake({ engine: lake.engine }, { progress, signal: ctx.signal });
      ctx.stdout.write(
        `built ${built.models.length} models (${built.from} … ${built.to}) in ${((performance.now() - buildStarted) / 1000).toFixed(1)} s\n`,
      );
      return 0;
    } catch (error) {
      throw asUsageError(error);
    } finally {
      await lake.close();
    }
  },
};
