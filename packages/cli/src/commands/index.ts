import type { Command } from '../command.ts';
import { buildCommand } from './build.ts';
import { docsCommand } from './docs.ts';
import { purgeCommand } from './purge.ts';
import { putEventsCommand } from './put-events.ts';
import { queryCommand } from './query.ts';
import { runCommand } from './run.ts';
import { schemasCommand } from './schemas.ts';
import { seedCommand } from './seed.ts';
import { startCommand } from './start.ts';

/** Every `lakeops` command, in the order `lakeops --help` lists them. */
export const commands: readonly Command[] = [
  startCommand,
  putEventsCommand,
  runCommand,
  docsCommand,
  seedCommand,
  buildCommand,
  purgeCommand,
  queryCommand,
  schemasCommand,
];
