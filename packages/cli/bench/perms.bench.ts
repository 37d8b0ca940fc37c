/**
 * Plan + apply of a policy of 200 principals × 40 tables against the local Lake Formation
 * endpoint (real HTTP, real SDK client, SQLite state), then a second plan that must be empty.
 * Reports wall time, the Lake Formation calls made (counted at the HTTP server, pages included),
 * and the calls a one-by-one apply (GrantPermissions per principal and resource, as Terraform's
 * aws_lakeformation_permissions does) would need for the same plan, in the same run.
 * Run: `node packages/cli/bench/perms.bench.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LakeFormationClient } from '@aws-sdk/client-lakeformation';
import { LakeFormationPermissions } from '@lakeops/adapters-aws';
import {
  type PermissionPolicy,
  planIsEmpty,
  resolvePolicy,
  reviewPermissions,
  syncPermissions,
  type TableDefinition,
} from '@lakeops/core';
import { LakeFormationEndpoint } from '@lakeops/local-cloud';

const PRINCIPALS = 200;
const TABLES = 40;

const tables: TableDefinition[] = Array.from({ length: TABLES }, (_, i) => ({
  zone: 'silver',
  name: `t${String(i).padStart(2, '0')}`,
  description: 'bench',
  format: 'parquet',
  columns: ['id', 'city_id', 'amount', 'user_id', 'note'].map((name) => ({
    name,
    type: 'string',
    sensitivity: name === 'user_id' ? 'confidential' : 'internal',
  })),
  partitionKeys: ['dt'],
  primaryKey: ['id'],
  userColumns: ['user_id'],
}));
const policy: PermissionPolicy = {
  principals: Array.from({ length: PRINCIPALS }, (_, p) => ({
    name: `p${p}`,
    arn: `arn:aws:iam::123456789012:role/bench-${p}`,
  })),
  grants: Array.from({ length: PRINCIPALS }, (_, p) =>
    tables.map((t, i) => ({
      principal: `p${p}`,
      table: `silver.${t.name}` as const,
      permissions: ['SELECT', 'DESCRIBE'] as const,
      // A third of the grants hide user_id, one in ten filter rows by city.
      ...((p + i) % 3 === 0 ? { columns: { exclude: ['user_id'] } } : {}),
      ...((p + i) % 10 === 0 ? { rowFilter: `city_id IN ('lis','opo')` } : {}),
    })),
  ).flat(),
};
const desired = resolvePolicy(policy, 'bench', 'bench', {
  tables,
  databaseName: (z) => `lakeops_bench_${z}`,
});

const home = mkdtempSync(join(tmpdir(), 'lakeops-perms-bench-'));
const endpoint = LakeFormationEndpoint.open({ file: join(home, 'lakeformation.sqlite') });
const calls = new Map<string, number>();
const server = createServer((req, res) => {
  const op = (req.url ?? '').slice(1);
  calls.set(op, (calls.get(op) ?? 0) + 1);
  void endpoint.handle(req, res);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
const client = new LakeFormationClient({
  endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  region: 'us-east-1',
  credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
});
const lakePermissions = new LakeFormationPermissions(client, { catalogId: '000000000000' });
const deps = {
  lakePermissions,
  events: { syncCompleted: async () => undefined },
  clock: { now: () => new Date() },
  sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
  random: Math.random,
};
const snapshot = () => Object.fromEntries([...calls].sort());
const total = () => [...calls.values()].reduce((a, b) => a + b, 0);

let t0 = performance.now();
const first = await syncPermissions(deps, { desired });
const applyMs = performance.now() - t0;
const applyCalls = snapshot();
const applyTotal = total();
calls.clear();
t0 = performance.now();
const second = await reviewPermissions(deps, { desired });
const replanMs = performance.now() - t0;

const entries = first.plan.grants.length + first.plan.revokes.length;
const oneByOne = entries + first.plan.filtersToCreate.length + 3; // + the three reads
console.log(
  `policy: ${PRINCIPALS} principals × ${TABLES} tables → ${desired.grants.length} grants, ${desired.filters.length} data cells filters`,
);
console.log(
  `plan + apply: ${applyMs.toFixed(0)} ms, ${applyTotal} Lake Formation calls ${JSON.stringify(applyCalls)}`,
);
console.log(
  `  one-by-one apply of the same plan: ${oneByOne} calls (${entries} GrantPermissions + ${first.plan.filtersToCreate.length} CreateDataCellsFilter + 3 reads)`,
);
console.log(
  `second plan: ${replanMs.toFixed(0)} ms, ${total()} calls ${JSON.stringify(snapshot())}, empty: ${planIsEmpty(second.plan)}`,
);
if (!planIsEmpty(second.plan)) process.exitCode = 1;

client.destroy();
server.close();
server.closeAllConnections();
endpoint.close();
rmSync(home, { recursive: true, force: true });
