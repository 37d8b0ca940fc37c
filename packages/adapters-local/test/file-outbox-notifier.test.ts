import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Notification } from '@lakeops/core';
import { describe, expect, it } from 'vitest';
import { FileOutboxNotifier } from '../src/index.ts';

const notification: Notification = {
  key: 'deploy:e1',
  severity: 'error',
  title: 'Deploy failed: api 1.0 → prod',
  text: 'api 1.0 failed',
  fields: { service: 'api' },
  sourceEventId: 'e1',
};

describe('FileOutboxNotifier', () => {
  it('appends one JSON line per notification and prints a summary', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'lakeops-outbox-'));
    const file = join(dir, 'outbox', 'notifications.jsonl');
    const printed: string[] = [];
    const notifier = new FileOutboxNotifier({
      file,
      print: (l) => printed.push(l),
      now: () => new Date('2026-01-01T00:00:00Z'),
    });
    // Act
    await notifier.send(notification);
    await notifier.send({ ...notification, key: 'deploy:e2', sourceEventId: 'e2' });
    // Assess
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l).key)).toEqual(['deploy:e1', 'deploy:e2']);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      ...notification,
      sentAt: '2026-01-01T00:00:00.000Z',
    });
    expect(printed).toEqual([
      '[error] Deploy failed: api 1.0 → prod',
      '[error] Deploy failed: api 1.0 → prod',
    ]);
  });

  it('keeps every line whole under concurrent sends', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lakeops-outbox-'));
    const notifier = new FileOutboxNotifier({ file: join(dir, 'n.jsonl') });
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        notifier.send({ ...notification, key: `k${i}`, text: 'x'.repeat(2000) }),
      ),
    );
    const keys = (await readFile(notifier.file, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l).key);
    expect(new Set(keys).size).toBe(200);
  });
});
