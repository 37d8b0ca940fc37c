import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';

/** A waf.block PutEvents entry (a schema the contracts know); `n` varies action and count. */
export function wafEntry(n: number, source = 'marketplace.edge') {
  return {
    Source: source,
    DetailType: 'waf.block',
    Detail: JSON.stringify(wafDetail(n)),
  };
}

export function wafDetail(n: number) {
  return {
    v: 1,
    blocked_at: '2026-11-27T10:04:12Z',
    web_acl: 'marketplace-edge',
    rule_id: `rule-${n % 7}`,
    action: n % 2 === 0 ? 'BLOCK' : 'CHALLENGE',
    count: 1 + (n % 200),
  };
}

/** A whole waf.block event, as `DurableEventBus.put` takes it. */
export function wafEvent(id: string, n = 0, time = '2026-11-27T10:04:12Z') {
  return {
    version: '0',
    id,
    'detail-type': 'waf.block',
    source: 'marketplace.edge',
    account: '000000000000',
    time,
    region: 'us-east-1',
    resources: [],
    detail: wafDetail(n),
  };
}

/** Every file under a folder, recursively. */
export async function filesUnder(dir: string): Promise<string[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out;
}

/** Every NDJSON line under a lake folder (`lake/bronze/events`, `lake/bronze/_quarantine`), parsed. */
export async function readNdjson(dir: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const file of (await filesUnder(dir)).sort()) {
    const text = await readFile(file, 'utf8');
    for (const line of text.split('\n'))
      if (line !== '') out.push(JSON.parse(line) as Record<string, unknown>);
  }
  return out;
}

/** An SDK client for a local endpoint (any credentials). */
export function clientFor(url: string): EventBridgeClient {
  return new EventBridgeClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
