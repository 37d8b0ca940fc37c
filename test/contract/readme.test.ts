import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';
import { renderReadme } from '../../packages/cli/src/commands/docs.ts';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

describe('README.md matches the code', () => {
  it('has an event catalogue generated from the routes and schemas (run `npx lakeops docs`)', async () => {
    expect(await renderReadme(readme)).toBe(readme);
  });

  it('lists every route in the event catalogue', async () => {
    const { routes } = await import('../../functions/routes.ts');
    for (const route of routes) if (route.kind === 'event') expect(readme).toContain(`\`${route.id}\``);
  });

  it('documents every environment variable the composition roots read', () => {
    const roots = [
      'functions/lib/aws-env.ts',
      'packages/cli/src/local-config.ts',
      'packages/cli/src/local-runtime.ts',
      'packages/cli/src/main.ts',
      'packages/cli/src/commands/dead-letter.ts',
    ];
    const names = new Set<string>();
    for (const file of roots) {
      const text = readFileSync(join(repoRoot, file), 'utf8');
      for (const m of text.matchAll(/env(?:\.|\[')([A-Z][A-Z0-9_]+)/g)) if (m[1]) names.add(m[1]);
      for (const m of text.matchAll(/required\(env, '([A-Z][A-Z0-9_]+)'\)/g)) if (m[1]) names.add(m[1]);
    }
    expect(names.size).toBeGreaterThan(3);
    for (const name of names) expect(readme, name).toContain(`\`${name}\``);
  });

  it('shows the two set-up commands near the top', () => {
    const top = readme.slice(0, 2500);
    expect(top).toContain('npm ci && npm start');
    expect(top).toContain('npm test');
  });
});
