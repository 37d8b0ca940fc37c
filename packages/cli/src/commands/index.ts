import type { Command } from '../command.ts';
import { putEventsCommand } from './put-events.ts';

/** Every `lakeops` command, in the order `lakeops --help` lists them. */
export const commands: readonly Command[] = [putEventsCommand];
