// `node scripts/typecheck-stacks.ts`: type-checks sst.config.ts and stacks/ (stacks/tsconfig.json,
// the repo's strict flags) against SST's real platform types in .sst/platform, installing them
// first when missing. SST's own sources (.sst/platform/src/*.ts) are part of the program but are
// not ours and do not pass our flags: only diagnostics in our files are reported.
import { join, relative, sep } from 'node:path';
import ts from 'typescript';
import { ensureSstPlatform, repoRoot } from '../stacks/synth/platform.ts';

await ensureSstPlatform({ log: (line) => console.error(line) });

const configPath = join(repoRoot, 'stacks', 'tsconfig.json');
const config = ts.getParsedCommandLineOfConfigFile(configPath, undefined, {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic: (d) => {
    throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  },
});
if (!config) throw new Error(`cannot read ${configPath}`);
const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
const platform = join(repoRoot, '.sst') + sep;
const ours = (file: ts.SourceFile | undefined) => !file || !join(file.fileName).startsWith(platform);
const diagnostics = [
  ...config.errors,
  ...program.getOptionsDiagnostics(),
  ...program.getGlobalDiagnostics(),
  ...program
    .getSourceFiles()
    .flatMap((file) =>
      ours(file) ? [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)] : [],
    ),
];
if (diagnostics.length > 0) {
  console.error(
    ts.formatDiagnosticsWithColorAndContext(diagnostics, {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => repoRoot,
      getNewLine: () => '\n',
    }),
  );
  console.error(`stacks: ${diagnostics.length} type error(s) (${relative(repoRoot, configPath)})`);
  process.exitCode = 1;
}
