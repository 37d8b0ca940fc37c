import { repoRoot } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';
import { main } from '../src/main.ts';
import { captureContext } from './capture-context.ts';

describe('lakeops docs --check', () => {
  it('says what it checked, and changes nothing', async () => {
    // Prepare
    const { ctx, out } = captureContext({ cwd: repoRoot });
    // Act
    const code = await main(['docs', '--check'], ctx);
    // Assess
    expect(out.stderr).toBe('');
    expect(code).toBe(0);
    expect(out.stdout).toMatch(
      /^README\.md is up to date: checked the event catalogue in README\.md against functions\/routes\.ts \(\d+ event routes\) and packages\/contracts\/events\/ \(\d+ schemas\)\n$/,
    );
  });
});
