import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SynthFailedError, synthesize } from '../synth/index.ts';

describe('synthesize (stacks/synth)', () => {
  it('gives the same resources on every run of the same app and stage, secrets from SST_SECRET_<Name>', async () => {
    // Act
    const first = await synthesize({ stage: 'same' });
    const second = await synthesize({ stage: 'same' });
    const given = await synthesize({
      stage: 'same',
      secrets: { SlackWebhookUrl: 'https://hooks.test/given' },
    });

    // Assess
    expect(first.length).toBeGreaterThan(0);
    expect(second).toEqual(first);
    // Secrets not given get a placeholder (as if set with `sst secret set`); given ones reach the stacks.
    expect(JSON.stringify(first)).toContain('synth-SlackWebhookUrl');
    expect(JSON.stringify(given)).toContain('https://hooks.test/given');
    expect(JSON.stringify(given)).not.toContain('synth-SlackWebhookUrl');
  }, 240_000);

  it('fails with the error the stacks throw, not with a partial resource list', async () => {
    // Act
    const failing = synthesize({ stage: 'fail', config: 'stacks/test/fixtures/sst.failing.config.ts' });

    // Assess
    await expect(failing).rejects.toThrow(SynthFailedError);
    await expect(failing).rejects.toMatchObject({
      code: 'SynthFailed',
      message: expect.stringContaining('Error: stack bug: planted by sst.failing.config.ts'),
    });
  }, 240_000);

  it('says what to run when SST’s platform is missing and installing is off', async () => {
    // Prepare
    const root = await mkdtemp(join(tmpdir(), 'lakeops-synth-'));

    try {
      // Act
      const missing = synthesize({ root, install: false });

      // Assess
      await expect(missing).rejects.toMatchObject({
        code: 'SynthPlatformMissing',
        message: expect.stringContaining('run `npm run sst:platform`'),
      });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
