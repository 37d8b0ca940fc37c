import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DurableEventBus, EventBridgeEndpoint } from '@lakeops/local-cloud';
import { aDeployFailedEvent, InMemoryDeadLetter } from '@lakeops/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { make as archiveEvents } from '../../functions/archive-events.ts';
import { lambdaContext } from '../../functions/lib/lambda-context.ts';

// Issue 3, "Done when": each bad event gets a clear rejection and ends in the quarantine, masked;
// a valid event with one extra field is accepted, flagged, and stored unchanged in Bronze.

let home: string;
let bus: DurableEventBus;

async function linesUnder(dir: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch {
    return out;
  }
  for (const e of entries.filter((x) => x.isFile()).sort((a, b) => a.name.localeCompare(b.name))) {
    const text = await readFile(join(e.parentPath, e.name), 'utf8');
    for (const line of text.split('\n'))
      if (line !== '') out.push(JSON.parse(line) as Record<string, unknown>);
  }
  return out;
}

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'lakeops-ingest-'));
  bus = await DurableEventBus.open({
    home,
    rules: [{ id: 'deploys', pattern: { source: ['marketplace.deploy'] } }],
    invoke: async () => ({ status: 'processed', result: null }),
    deadLetter: new InMemoryDeadLetter(),
    retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
  });
});

afterEach(async () => {
  await bus.idle();
  await bus.close();
  await rm(home, { recursive: true, force: true });
});

describe('ingest on the local bus: contracts + quarantine', () => {
  it('quarantines an email, a malformed envelope, a non-JSON body and a 300 KB detail; keeps a valid event with an extra field whole', async () => {
    // Prepare
    const withEmail = aDeployFailedEvent({ error: 'rolled back by jane.doe@example.com' }, 'evt-email');
    const { source: _source, ...malformed } = aDeployFailedEvent({}, 'evt-envelope');
    const notJson = '{"id": "evt-text", "detail": {"by": "jane.doe@example.com"';
    const huge = aDeployFailedEvent({ error: 'x'.repeat(300 * 1024) }, 'evt-huge');
    const extra = aDeployFailedEvent({ rollout_wave: 3 }, 'evt-extra');
    // Act
    const results = await bus.put([
      { event: withEmail },
      { event: malformed },
      { event: notJson },
      { event: huge },
      { event: extra },
    ]);
    await bus.idle();
    // Assess: the answers
    expect(results.map((r) => r.status)).toEqual([
      'quarantined',
      'quarantined',
      'quarantined',
      'quarantined',
      'accepted',
    ]);
    const reasons = results.map((r) => (r.status === 'quarantined' ? r.reasons.map((x) => x.pointer) : []));
    expect(reasons[0]).toEqual(['/detail/error']);
    expect(reasons[1]).toEqual(['/source']);
    expect(reasons[2]).toEqual(['']);
    expect(reasons[3]).toEqual(['', '/detail/error']);
    expect(results[4]).toMatchObject({
      status: 'accepted',
      eventId: 'evt-extra',
      unknownFields: ['/detail/rollout_wave'],
    });
    // Assess: four records in the quarantine, each with its reasons, nothing raw
    const quarantined = await linesUnder(join(home, 'lake/bronze/_quarantine'));
    expect(quarantined).toHaveLength(4);
    for (const q of quarantined) expect((q.reasons as unknown[]).length).toBeGreaterThan(0);
    const everything =
      JSON.stringify(quarantined) + JSON.stringify(await linesUnder(join(home, 'lake/bronze/events')));
    expect(everything).not.toContain('jane.doe@example.com');
    // Assess: the valid event is in Bronze exactly as sent, extra field included
    const bronze = await linesUnder(join(home, 'lake/bronze/events'));
    expect(bronze).toEqual([extra]);
  });

  it('one ingest path, two drivers: a schema-invalid event sent with the SDK is accepted and quarantined locally, and the Firehose transform puts the same line in the same partition', async () => {
    // Prepare: the unmodified SDK against the local endpoint; deploy.failed without its service
    const endpoint = await EventBridgeEndpoint.start({ bus, port: 0 });
    const client = new EventBridgeClient({
      endpoint: endpoint.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    const { service: _service, ...detail } = aDeployFailedEvent().detail;
    try {
      // Act (local): PutEvents
      const out = await client.send(
        new PutEventsCommand({
          Entries: [
            {
              Source: 'marketplace.deploy',
              DetailType: 'deploy.failed',
              Detail: JSON.stringify(detail),
              Time: new Date('2026-11-27T10:02:05Z'),
            },
          ],
        }),
      );
      await bus.idle();
      // Assess (local): accepted as EventBridge would, quarantined with its reasons, by hour
      expect(out.FailedEntryCount).toBe(0);
      const eventId = out.Entries?.[0]?.EventId;
      expect(eventId).toMatch(/^[0-9a-f-]{36}$/);
      const dir = join(home, 'lake/bronze/_quarantine/dt=2026-11-27/hour=10');
      const [local] = await linesUnder(dir);
      expect(local?.reasons).toEqual([{ pointer: '/detail/service', message: 'is required' }]);
      expect(local?.event).toMatchObject({ id: eventId });
      // Act (AWS): the same event, as the EventBridge → Firehose target delivers it
      const firehose = await archiveEvents({})(
        {
          invocationId: 'inv-1',
          deliveryStreamArn: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/bronze',
          region: 'us-east-1',
          records: [
            {
              recordId: 'r-1',
              approximateArrivalTimestamp: Date.parse(String(local?.receivedAt)),
              data: Buffer.from(JSON.stringify(local?.event)).toString('base64'),
            },
          ],
        },
        lambdaContext({ id: 'archive-events', timeoutSeconds: 60, memoryMB: 512 }, 'req-1'),
      );
      // Assess (AWS): the quarantine prefix of the same hour, the same line
      const [record] = firehose.records;
      expect(record?.metadata?.partitionKeys).toEqual({ area: '_quarantine', dt: '2026-11-27', hour: '10' });
      expect(Buffer.from(record?.data ?? '', 'base64').toString('utf8')).toBe(`${JSON.stringify(local)}\n`);
    } finally {
      client.destroy();
      await endpoint.close();
    }
  });
});
