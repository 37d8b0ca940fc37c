/**
 * Layer rules (DESIGN.md): dependencies point inward,
 *   contracts <- core <- adapters-* <- functions <- cli
 * event-patterns and experiments stand alone; local-cloud serves the embedded default and is wired by the cli;
 * console (the ops console) reads through core ports and is wired by the cli.
 * @type {import('dependency-cruiser').IConfiguration}
 */
const pkg = (name) => `^packages/${name}/`;
const sdk = '^node_modules/@aws-sdk/|^@aws-sdk/';
const localOnly = '^node_modules/@duckdb/|^@duckdb/|^node:sqlite$|^sqlite$';

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'declared-dependencies',
      comment: 'A package imports only what its own package.json declares (hoisting hides the rest).',
      severity: 'error',
      from: { path: '^(packages|functions)/' },
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'event-patterns-stands-alone',
      comment: 'The pattern engine has no dependency on AWS or on other lakeops packages.',
      severity: 'error',
      from: { path: `${pkg('event-patterns')}src/` },
      to: { path: `^packages/(?!event-patterns/)|${sdk}|^functions/` },
    },
    {
      name: 'experiments-stands-alone',
      comment:
        'Assignment and statistics run in the apps too (Lambda, browser, mobile): no other lakeops package, no SDK, no Node built-in.',
      severity: 'error',
      from: { path: `${pkg('experiments')}src/` },
      to: {
        path: `^packages/(?!experiments/)|^functions/|${sdk}|${localOnly}|^node:|^(fs|path|crypto|os|child_process)$`,
      },
    },
    {
      name: 'contracts-is-innermost',
      severity: 'error',
      from: { path: `${pkg('contracts')}src/` },
      to: { path: `^packages/(?!contracts/)|^functions/|${sdk}|${localOnly}` },
    },
    {
      name: 'core-imports-no-infrastructure',
      comment: 'Domain rules and use cases import no SDK, no DuckDB, no node:fs: they declare ports.',
      severity: 'error',
      from: { path: `${pkg('core')}src/` },
      to: {
        path: `^packages/(adapters-aws|adapters-local|local-cloud|cli|lake|testing)/|^functions/|${sdk}|${localOnly}|^node:fs|^fs$|^fs/|^node:child_process`,
      },
    },
    {
      name: 'lake-does-not-load-adapters',
      comment:
        'The adapters depend on lake (its catalog and dialects), so nothing in packages/lake, tests and benches included, may import them back: the tests that run lake SQL on DuckDB live in test/integration/lake/.',
      severity: 'error',
      from: { path: pkg('lake') },
      to: { path: '^packages/(adapters-aws|adapters-local|local-cloud|cli)/|^functions/' },
    },
    {
      name: 'console-reads-through-ports',
      comment:
        'The ops console (pages, API) reads through core ports: no SDK, no DuckDB or SQLite, no adapters, no local endpoints; only its node:http driver touches node built-ins. The cli (locally) and a Lambda (on AWS) wire it.',
      severity: 'error',
      from: { path: `${pkg('console')}src/` },
      to: {
        path: `^packages/(adapters-aws|adapters-local|local-cloud|cli|testing)/|^functions/|${sdk}|${localOnly}`,
      },
    },
    {
      name: 'console-pages-use-no-node-built-ins',
      severity: 'error',
      from: { path: `${pkg('console')}src/`, pathNot: `${pkg('console')}src/node-http-console\\.ts$` },
      to: { path: '^node:|^(fs|path|http|module)$' },
    },
    {
      name: 'adapters-point-inward',
      severity: 'error',
      from: { path: '^packages/adapters-(aws|local)/src/' },
      to: { path: '^packages/(cli|local-cloud|testing)/|^functions/' },
    },
    {
      name: 'aws-adapters-stay-off-local-engines',
      severity: 'error',
      from: { path: `${pkg('adapters-aws')}src/` },
      to: { path: `^packages/adapters-local/|${localOnly}` },
    },
    {
      name: 'local-adapters-use-no-sdk',
      severity: 'error',
      from: { path: `${pkg('adapters-local')}src/` },
      to: { path: `^packages/adapters-aws/|${sdk}` },
    },
    {
      name: 'functions-never-load-local-only-code',
      comment: 'Lambda bundles must not pull DuckDB, SQLite or the local endpoints.',
      severity: 'error',
      from: { path: '^functions/', pathNot: '^functions/(test|bench)/' },
      to: { path: `^packages/(adapters-local|local-cloud|cli|testing)/|${localOnly}` },
    },
    {
      name: 'packages-do-not-import-functions',
      comment: 'Only the cli (the local composition root) wires functions.',
      severity: 'error',
      from: { path: '^packages/(?!cli/)[^/]+/src/' },
      to: { path: '^functions/' },
    },
    {
      name: 'cli-is-outermost',
      severity: 'error',
      from: { path: '^(packages/(?!cli/)[^/]+/src/|functions/|stacks/)' },
      to: { path: pkg('cli') },
    },
    {
      name: 'no-test-code-in-production',
      severity: 'error',
      from: {
        path: '^(packages/[^/]+/src/|functions/)',
        pathNot: '^(packages/testing/|functions/(test|bench)/)',
      },
      to: { path: `${pkg('testing')}|^node_modules/(vitest|aws-sdk-client-mock)` },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(\\.lakeops|\\.sst)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    combinedDependencies: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.json'],
    },
    preserveSymlinks: false,
  },
};
