export { CliUsageError, type Command, type CommandContext, type LazyCommand } from './command.ts';
export { main } from './main.ts';
