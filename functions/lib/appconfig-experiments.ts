import type { AppConfigDataClient } from '@aws-sdk/client-appconfigdata';
import { type Experiment, ExperimentCatalog, ExperimentConfigInvalidError } from '@lakeops/experiments';

export interface AppConfigExperimentsOptions {
  /** The AppConfig Data client (injected: tests pass a mocked one). */
  readonly client: AppConfigDataClient;
  /** AppConfig application, environment and configuration profile (ids or names). */
  readonly application: string;
  readonly environment: string;
  readonly profile: string;
  /** How long a fetched document is reused before AppConfig is asked again (default 300 s). */
  readonly maxAgeSeconds?: number;
}

/**
 * The experiment definitions on AWS: the `AWS.AppConfig.FeatureFlags` configuration profile read
 * with Powertools parameters' `AppConfigProvider` (StartConfigurationSession once, then
 * GetLatestConfiguration with the token of the previous call; an empty answer means "unchanged"
 * and the last document is reused), cached `maxAgeSeconds`, validated by `ExperimentCatalog` as
 * the local JSON file is.
 *
 * @example
 * ```ts
 * const experiments = await appConfigExperiments({ client: new AppConfigDataClient({}), application: 'lakeops', environment: 'prod', profile: 'experiments' });
 * await experiments(); // Experiment[]
 * ```
 */
export async function appConfigExperiments(
  options: AppConfigExperimentsOptions,
): Promise<() => Promise<readonly Experiment[]>> {
  const { AppConfigProvider } = await import('@aws-lambda-powertools/parameters/appconfig');
  const provider = new AppConfigProvider({
    application: options.application,
    environment: options.environment,
    awsSdkV3Client: options.client,
  });
  const where = `${options.application}/${options.environment}/${options.profile}`;
  return async () => {
    let doc: unknown;
    try {
      doc = await provider.get(options.profile, { maxAge: options.maxAgeSeconds ?? 300, transform: 'json' });
    } catch (error) {
      // Powertools wraps a JSON syntax error in a TransformParameterError; AWS errors pass through.
      if (error instanceof Error && error.name === 'TransformParameterError')
        throw new ExperimentConfigInvalidError(`AppConfig ${where}: not JSON`, { cause: error });
      throw error;
    }
    if (doc === undefined)
      throw new ExperimentConfigInvalidError(`AppConfig ${where} returned no configuration`);
    try {
      return ExperimentCatalog.fromDocument(doc).list();
    } catch (error) {
      if (error instanceof ExperimentConfigInvalidError)
        throw new ExperimentConfigInvalidError(`AppConfig ${where}: ${error.message}`, { cause: error });
      throw error;
    }
  };
}
