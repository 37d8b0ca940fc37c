import { join } from 'node:path';
import { SqliteStateStore } from '@lakeops/adapters-local';
import { addSilence, expireSilence, listSilences, SilenceInvalidError, systemClock } from '@lakeops/core';
import { CliUsageError, type Command } from '../command.ts';
import { parseOptions } from '../lake.ts';
import { localConfig } from '../local-config.ts';

const help = `Usage: lakeops silence <add|list|expire>
       lakeops silence add --match MATCHER [--match MATCHER…] --until TIME [--comment TEXT]
       lakeops silence list [--json]
       lakeops silence expire --id ID

Silences mute the alerts they match (Alertmanager matchers on the alert's labels: alertname,
severity, table, metric, segment, alarm, view…) until their end time; the notify router leaves
them out of every notification, resolve notices included. Kept in the state store (SQLite in
LAKEOPS_HOME locally), each with its end as its expiry.

  add      stores a silence and prints its id
  list     prints the active silences (id, until, matchers)
  expire   ends a silence now

Options:
  --match MATCHER  e.g. 'alertname="expectation.failed"' or 'table=~"silver\\..*"' (all must match)
  --until TIME     ISO-8601 end time, in the future
  --comment TEXT   why (no personal data)
  --id ID          the silence to end
  --json           print JSON
  -h, --help       show this help

Exit status: 0 done, 1 no such silence, 2 on a usage mistake (bad matcher, end in the past).

Examples:
  npx lakeops silence add --match 'alertname="expectation.failed"' --match 'table="silver.orders"' --until 2026-12-02T08:00:00Z
  npx lakeops silence list
  npx lakeops silence expire --id 3f2a9c1b7d0e`;

const options = {
  match: { type: 'string', multiple: true },
  until: { type: 'string' },
  comment: { type: 'string' },
  id: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const silenceCommand: Command = {
  name: 'silence',
  summary: 'Mute matching alerts until an end time (add), list the active silences, end one (expire)',
  help,
  async run(args, ctx) {
    const { positionals, values } = parseOptions(args, options, true);
    const [action, ...extra] = positionals;
    if (extra.length > 0) throw new CliUsageError(`unexpected argument: ${extra[0]}`);
    const state = new SqliteStateStore({ file: join(localConfig(ctx).home, 'state.sqlite') });
    const deps = { state, clock: systemClock };
    switch (action) {
      case 'add': {
        const until = values.until ? new Date(values.until) : undefined;
        if (!until || Number.isNaN(until.getTime()))
          throw new CliUsageError('silence add needs --until <ISO-8601 time>');
        try {
          const s = await addSilence(deps, {
            matchers: values.match ?? [],
            until,
            ...(values.comment ? { comment: values.comment } : {}),
          });
          ctx.stdout.write(values.json ? `${JSON.stringify(s)}\n` : `${s.id}\n`);
          return 0;
        } catch (error) {
          if (error instanceof SilenceInvalidError) throw new CliUsageError(error.message, { cause: error });
          throw error;
        }
      }
      case 'list': {
        const all = await listSilences(deps);
        if (values.json) ctx.stdout.write(`${JSON.stringify(all)}\n`);
        else for (const s of all) ctx.stdout.write(`${s.id}  until ${s.until}  ${s.matchers.join(' ')}\n`);
        return 0;
      }
      case 'expire': {
        if (!values.id) throw new CliUsageError('silence expire needs --id');
        if (await expireSilence(deps, values.id)) return 0;
        ctx.stderr.write(`lakeops: no active silence ${values.id}\n`);
        return 1;
      }
      default:
        throw new CliUsageError('usage: lakeops silence <add|list|expire> (see --help)');
    }
  },
};
