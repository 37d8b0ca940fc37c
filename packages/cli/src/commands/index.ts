import type { Command } from '../command.ts';

/** Every `lakeops` command, in the order `lakeops --help` lists them. */
export const commands: readonly Command[] = [];
