import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { FileSaltSource } from '@lakeops/adapters-local';

/**
 * The key of the local lake's membership sidecars (DuckDbQueryEngineOptions.membershipKey): derived
 * from the DSAR salt (`LAKEOPS_HOME/secrets/dsar-salt`), so every process of one home agrees on it
 * and it never lies in the lake folder. Another salt makes every sidecar unknown: partitions are read.
 */
export async function localMembershipKey(home: string): Promise<Buffer> {
  const salt = await new FileSaltSource({ file: join(home, 'secrets', 'dsar-salt') }).get();
  return createHmac('sha256', salt).update('lakeops/partition-membership').digest();
}
