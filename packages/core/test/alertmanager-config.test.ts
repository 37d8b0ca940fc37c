import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  matchRoutes,
  parseAlertmanagerConfig,
  parseDuration,
  routingTreeText,
} from '../src/alerting/alertmanager-config.ts';

const samplePath = new URL('../../../examples/alerting/alertmanager.yml', import.meta.url).pathname;
const sample = readFileSync(samplePath, 'utf8');

/** amtool from the Debian package prometheus-alertmanager; in CI its absence is a failure, not a skip. */
function amtool(): string | undefined {
  const found = spawnSync('amtool', ['--version'], { encoding: 'utf8' });
  if (found.status === 0) return 'amtool';
  const ci = process.env.CI;
  if (ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0')
    throw new Error('amtool is missing: .ci/run installs prometheus-alertmanager');
  return undefined;
}
const tool = amtool();

function writeTmp(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'am-config-')), 'alertmanager.yml');
  writeFileSync(path, text);
  return path;
}

describe('parseAlertmanagerConfig', () => {
  it.skipIf(tool === undefined)(
    'accepts what amtool check-config accepts, with the same routing tree',
    () => {
      // Prepare
      const path = writeTmp(sample);
      // Act
      const checked = spawnSync('amtool', ['check-config', path], { encoding: 'utf8' });
      const theirs = execFileSync('amtool', ['config', 'routes', 'show', `--config.file=${path}`], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const ours = routingTreeText(parseAlertmanagerConfig(sample).route);
      // Assess
      expect(checked.status).toBe(0);
      expect(ours).toBe(theirs.trimEnd());
    },
  );

  it.skipIf(tool === undefined)('refuses, as amtool does, an unknown key — with its line', () => {
    // Prepare
    const broken = sample.replace('      group_interval: 10m', '      group_intervall: 10m');
    const path = writeTmp(broken);
    // Act
    const checked = spawnSync('amtool', ['check-config', path], { encoding: 'utf8' });
    const error = (() => {
      try {
        parseAlertmanagerConfig(broken);
      } catch (e) {
        return e;
      }
    })();
    // Assess
    expect(checked.status).not.toBe(0);
    expect(error).toMatchObject({ code: 'AlertConfigInvalid', line: 21, retryable: false });
    expect(String((error as Error).message)).toContain('group_intervall');
  });

  it.skipIf(tool === undefined)('refuses a malformed matcher, as amtool does', () => {
    // Prepare
    const broken = sample.replace(`'severity="critical"'`, `'severity~critical'`);
    // Act
    const checked = spawnSync('amtool', ['check-config', writeTmp(broken)], { encoding: 'utf8' });
    // Assess
    expect(checked.status).not.toBe(0);
    expect(() => parseAlertmanagerConfig(broken)).toThrow(expect.objectContaining({ line: 10 }));
  });

  it.each([
    ['an undefined receiver', (s: string) => s.replace('receiver: slack-quality', 'receiver: nobody'), 15],
    ['a malformed matcher', (s: string) => s.replace(`'severity="critical"'`, `'severity~critical'`), 10],
    ['a bad duration', (s: string) => s.replace('group_wait: 30s', 'group_wait: 30 seconds'), 6],
    [
      'matchers on the root route',
      (s: string) =>
        s.replace(
          '  receiver: slack-data\n  group_by',
          "  receiver: slack-data\n  matchers: ['a=b']\n  group_by",
        ),
      5,
    ],
    [
      'a duplicated key',
      (s: string) => s.replace('  group_wait: 30s\n', '  group_wait: 30s\n  group_wait: 1m\n'),
      7,
    ],
  ])('refuses %s with the line', (_what, edit, line) => {
    // Prepare
    const broken = edit(sample);
    // Act
    const act = () => parseAlertmanagerConfig(broken);
    // Assess
    expect(act).toThrow(expect.objectContaining({ code: 'AlertConfigInvalid', line }));
  });

  it('routes as Alertmanager: first match wins unless continue, children inherit', () => {
    // Prepare
    const { route } = parseAlertmanagerConfig(sample);
    // Act
    const critical = matchRoutes(route, { alertname: 'alarm.triggered', severity: 'critical' });
    const goldError = matchRoutes(route, {
      alertname: 'expectation.failed',
      severity: 'error',
      table: 'gold.kpi',
    });
    const goldCritical = matchRoutes(route, {
      alertname: 'expectation.failed',
      severity: 'critical',
      table: 'gold.kpi',
    });
    const silverWarn = matchRoutes(route, {
      alertname: 'expectation.failed',
      severity: 'warning',
      table: 'silver.x',
    });
    const kpi = matchRoutes(route, { alertname: 'kpi.anomaly', severity: 'warning' }); // alertFromEvent's alertname
    const other = matchRoutes(route, { alertname: 'deploy.failed' });
    // Assess
    expect(critical.map((r) => r.receiver)).toEqual(['pager']);
    expect(goldError.map((r) => r.receiver)).toEqual(['pager']);
    expect(goldError[0]?.groupBy).toEqual(['alertname', 'table']);
    expect(goldCritical.map((r) => [r.receiver, r.id])).toEqual([
      ['pager', '0.0'],
      ['slack-quality', '0.1'],
    ]);
    expect(silverWarn.map((r) => r.receiver)).toEqual(['slack-quality']);
    expect(kpi.map((r) => [r.receiver, r.groupIntervalMs, r.repeatIntervalMs])).toEqual([
      ['slack-data', 600_000, 14_400_000],
    ]);
    expect(other.map((r) => r.id)).toEqual(['0']);
  });

  it('reads Prometheus durations', () => {
    // Act + Assess
    expect([
      parseDuration('30s'),
      parseDuration('1h30m'),
      parseDuration('1d'),
      parseDuration('0'),
      parseDuration('5 m'),
    ]).toEqual([30_000, 5_400_000, 86_400_000, 0, undefined]);
  });
});
