import {
  AppConfigDataClient,
  GetLatestConfigurationCommand,
  StartConfigurationSessionCommand,
} from '@aws-sdk/client-appconfigdata';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { appConfigExperiments } from '../lib/appconfig-experiments.ts';

const appConfig = mockClient(AppConfigDataClient);
beforeEach(() => appConfig.reset());
afterEach(() => vi.useRealTimers());

/** What the SDK returns for a blob: the bytes, with `transformToString` (Uint8ArrayBlobAdapter). */
const blob = (text: string) =>
  Object.assign(new TextEncoder().encode(text), { transformToString: () => text });

const document = (weights: [number, number]) =>
  blob(
    JSON.stringify({
      version: '1',
      flags: { 'checkout-cta': { name: 'Checkout call to action' }, 'dark-mode': { name: 'Dark mode' } },
      values: {
        'checkout-cta': {
          enabled: true,
          salt: 'checkout-cta-2026-11',
          variants: ['control', 'treatment'],
          weights,
          primaryMetrics: ['gmv_per_user'],
        },
        'dark-mode': { enabled: false },
      },
    }),
  );

const options = {
  application: 'lakeops',
  environment: 'prod',
  profile: 'experiments',
  maxAgeSeconds: 300,
};

describe('appConfigExperiments', () => {
  it('starts one session, then polls with the token of the previous answer; an empty answer keeps the last document; cached maxAge', async () => {
    // Prepare
    vi.useFakeTimers({ now: new Date('2026-11-20T03:30:00Z'), toFake: ['Date'] });
    appConfig.on(StartConfigurationSessionCommand).resolves({ InitialConfigurationToken: 'token-1' });
    appConfig
      .on(GetLatestConfigurationCommand, { ConfigurationToken: 'token-1' })
      .resolves({
        Configuration: document([50, 50]),
        NextPollConfigurationToken: 'token-2',
        ContentType: 'application/json',
      })
      .on(GetLatestConfigurationCommand, { ConfigurationToken: 'token-2' })
      .resolves({ Configuration: blob(''), NextPollConfigurationToken: 'token-3' })
      .on(GetLatestConfigurationCommand, { ConfigurationToken: 'token-3' })
      .resolves({ Configuration: document([10, 90]), NextPollConfigurationToken: 'token-4' });
    const experiments = await appConfigExperiments({
      client: new AppConfigDataClient({ region: 'eu-west-1' }),
      ...options,
    });
    // Act
    const first = await experiments();
    const cached = await experiments();
    vi.setSystemTime(new Date('2026-11-20T03:36:00Z'));
    const unchanged = await experiments();
    vi.setSystemTime(new Date('2026-11-20T03:42:00Z'));
    const changed = await experiments();
    // Assess
    expect(first.map((e) => [e.key, e.weights])).toEqual([['checkout-cta', [50, 50]]]);
    expect(cached).toEqual(first);
    expect(unchanged).toEqual(first);
    expect(changed.map((e) => e.weights)).toEqual([[10, 90]]);
    expect(appConfig).toHaveReceivedCommandTimes(StartConfigurationSessionCommand, 1);
    expect(appConfig).toHaveReceivedCommandWith(StartConfigurationSessionCommand, {
      ApplicationIdentifier: 'lakeops',
      EnvironmentIdentifier: 'prod',
      ConfigurationProfileIdentifier: 'experiments',
    });
    expect(appConfig.commandCalls(GetLatestConfigurationCommand).map((c) => c.args[0].input)).toEqual([
      { ConfigurationToken: 'token-1' },
      { ConfigurationToken: 'token-2' },
      { ConfigurationToken: 'token-3' },
    ]);
  });

  it('names the profile and the broken rule of an invalid document, and refuses text that is not JSON', async () => {
    // Prepare
    appConfig.on(StartConfigurationSessionCommand).resolves({ InitialConfigurationToken: 'token-1' });
    appConfig.on(GetLatestConfigurationCommand).resolves({
      Configuration: blob(JSON.stringify({ version: '2', flags: {}, values: {} })),
      NextPollConfigurationToken: 'token-2',
    });
    const invalid = await appConfigExperiments({
      client: new AppConfigDataClient({ region: 'eu-west-1' }),
      ...options,
    });
    const garbled = await appConfigExperiments({
      client: new AppConfigDataClient({ region: 'eu-west-1' }),
      ...options,
    });
    // Act / Assess
    await expect(invalid()).rejects.toMatchObject({
      code: 'ExperimentConfigInvalid',
      message: 'AppConfig lakeops/prod/experiments: version must be "1", got "2"',
    });
    appConfig.on(GetLatestConfigurationCommand).resolves({
      Configuration: blob('{"version": '),
      NextPollConfigurationToken: 'token-3',
    });
    await expect(garbled()).rejects.toMatchObject({
      code: 'ExperimentConfigInvalid',
      message: 'AppConfig lakeops/prod/experiments: not JSON',
    });
  });
});
