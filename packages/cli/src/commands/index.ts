import type { LazyCommand } from '../command.ts';

/**
 * Every `lakeops` command, in the order `lakeops --help` lists them: its name and summary (all
 * `lakeops --help` needs) and a loader that imports its module only when the command runs or shows
 * its own `--help`, so start-up does not pay for the AWS SDK, DuckDB or the functions of the others.
 * One entry per command; the summary must equal the module's own (a test checks).
 */
// biome-ignore format: one line per command, so commands added in parallel merge line by line
export const commands: readonly LazyCommand[] = [
  { name: 'start', summary: 'Run the local platform: EventBridge endpoint, schedules and functions', load: async () => (await import('./start.ts')).startCommand },
  { name: 'put-events', summary: 'Send events from a file to the local functions (or to a running endpoint)', load: async () => (await import('./put-events.ts')).putEventsCommand },
  { name: 'run', summary: 'Invoke one route’s function now (an event route with an event, a schedule route as if due)', load: async () => (await import('./run.ts')).runCommand },
  { name: 'docs', summary: "Refresh the README's generated sections (event catalogue)", load: async () => (await import('./docs.ts')).docsCommand },
  { name: 'seed', summary: 'Seed the local lake with a synthetic marketplace, then build Silver and Gold', load: async () => (await import('./seed.ts')).seedCommand },
  { name: 'build', summary: 'Build Silver and Gold from Bronze with the SQL models (incremental by dt)', load: async () => (await import('./build.ts')).buildCommand },
  { name: 'query', summary: 'Run SQL on the local lake (tables as <zone>.<table>)', load: async () => (await import('./query.ts')).queryCommand },
  { name: 'schemas', summary: 'Event schemas: the evolution gate (check), compatibility of two schemas (compat), list', load: async () => (await import('./schemas.ts')).schemasCommand },
  { name: 'dead-letter', summary: 'List parked events, or hand them back to their functions (redrive)', load: async () => (await import('./dead-letter.ts')).deadLetterCommand },
  { name: 'infra', summary: 'The AWS resources the SST app declares, offline (synth [--json])', load: async () => (await import('./infra.ts')).infraCommand },
  { name: 'check', summary: 'Run the data quality expectations (catalog checks + suites, or a GX suite)', load: async () => (await import('./check.ts')).checkCommand },
  { name: 'kpi', summary: 'Detect GMV/CTR anomalies (robust or plan-7d), or backtest the detectors on labelled data', load: async () => (await import('./kpi.ts')).kpiCommand },
  { name: 'perms', summary: 'Plan or apply the Lake Formation permissions of permissions/policy.ts', load: async () => (await import('./perms.ts')).permsCommand },
  { name: 'purge', summary: 'Remove deleted users (DSAR) from Silver and Gold; --dry-run shows what would go', load: async () => (await import('./purge.ts')).purgeCommand },
  { name: 'exp', summary: 'Experiments: the sticky variant of a user (assign), statistics from a CSV (stats), the sample size an effect needs (power), the daily analysis into gold.exp_results (analyze)', load: async () => (await import('./exp.ts')).expCommand },
  { name: 'lineage', summary: 'Upstream/downstream of a table, event, suite or function, derived from the schemas, models, suites and routes', load: async () => (await import('./lineage.ts')).lineageCommand },
  { name: 'silence', summary: 'Mute matching alerts until an end time (add), list the active silences, end one (expire)', load: async () => (await import('./silence.ts')).silenceCommand },
  { name: 'outbox', summary: 'List parked notifications, or send them again (retry)', load: async () => (await import('./outbox.ts')).outboxCommand },
  { name: 'nrt', summary: 'Near-real-time ops views: refresh the touched hours of today, or show their status', load: async () => (await import('./nrt.ts')).nrtCommand },
];
