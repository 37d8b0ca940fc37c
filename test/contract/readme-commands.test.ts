// The README's command table lists every registered command with every option and sub-command its
// `--help` documents; commands added later are checked the same way (nothing here names them).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';
import { commands } from '../../packages/cli/src/commands/index.ts';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const table = readme.slice(
  readme.indexOf('### Commands'),
  readme.indexOf('\n## ', readme.indexOf('### Commands')),
);
/** The first cell of each row of the command table, by command name. */
const rows = new Map(
  [...table.matchAll(/^\| `([a-z][\w-]*)([^|]*(?:\\\|[^|]*)*)` \|/gm)].map((m) => [
    m[1] ?? '',
    `${m[1]}${m[2]}`,
  ]),
);

/** What a command's `--help` documents: its options (but --help) and its sub-commands. */
function documented(name: string, help: string): string[] {
  const lines = help.split('\n');
  const options = lines
    .filter((l) => /^\s+--[a-z]/.test(l) || new RegExp(`^\\s*(?:Usage: )?lakeops ${name}\\b`).test(l))
    .flatMap((l) => [
      ...(/^\s+--[a-z]/.test(l) ? [l.trim().split(/\s/)[0] ?? ''] : (l.match(/--[a-z][\w-]*/g) ?? [])),
    ]);
  // Sub-commands: the alternatives of `Usage: lakeops <name> <a|b|c>` that have a usage line of their own.
  const subcommands = (
    new RegExp(`Usage: lakeops ${name} <([a-z|-]+)>`).exec(help)?.[1]?.split('|') ?? []
  ).filter((sub) => new RegExp(`^\\s*lakeops ${name} ${sub}\\b`, 'm').test(help));
  return [...new Set([...options, ...subcommands])].filter((o) => o !== '--help');
}

describe("the README's command table", () => {
  it('has a row for each registered command and none for a command that does not exist', () => {
    // Assess
    expect([...rows.keys()].sort()).toEqual(commands.map((c) => c.name).sort());
  });

  it.each(commands.map((c) => [c.name, c] as const))(
    'lists every option of `%s --help`',
    async (name, entry) => {
      // Prepare
      const { help } = await entry.load();
      const row = rows.get(name) ?? '';
      // Act
      const missing = documented(name, help).filter(
        (o) => !new RegExp(`(^|[^\\w-])${o}(?![\\w-])`).test(row),
      );
      // Assess
      expect(missing, `README row: ${row}`).toEqual([]);
    },
  );
});
