import { readFileSync } from 'node:fs';

/** The experiment definitions deployed to AppConfig: the same document `lakeops` reads locally. */
export const experimentsFile = 'examples/experiments.json';

/**
 * Experiments: an AppConfig application with one environment (the stage) and a hosted
 * `AWS.AppConfig.FeatureFlags` configuration profile holding the experiment definitions, deployed
 * all at once (`AppConfig.AllAtOnce`, a predefined strategy) — GetLatestConfiguration returns only
 * a deployed version. exp-analyze reads it through Powertools' AppConfigProvider. Teams that manage
 * flags in the AppConfig console instead keep this profile and deploy their own versions into it.
 */
export function experimentsStack(content: string = readFileSync(experimentsFile, 'utf8')) {
  const application = new aws.appconfig.Application('ExperimentsApp', {
    name: `lakeops-${$app.stage}-experiments`,
    description: 'lakeops: experiment definitions (feature flags) of the daily analysis',
  });
  const environment = new aws.appconfig.Environment('ExperimentsEnvironment', {
    applicationId: application.id,
    name: $app.stage,
  });
  const profile = new aws.appconfig.ConfigurationProfile('ExperimentsProfile', {
    applicationId: application.id,
    name: 'experiments',
    locationUri: 'hosted',
    type: 'AWS.AppConfig.FeatureFlags',
  });
  const version = new aws.appconfig.HostedConfigurationVersion('ExperimentsVersion', {
    applicationId: application.id,
    configurationProfileId: profile.configurationProfileId,
    contentType: 'application/json',
    content,
  });
  const deployment = new aws.appconfig.Deployment('ExperimentsDeployment', {
    applicationId: application.id,
    environmentId: environment.environmentId,
    configurationProfileId: profile.configurationProfileId,
    configurationVersion: $interpolate`${version.versionNumber}`,
    deploymentStrategyId: 'AppConfig.AllAtOnce',
  });
  return { experiments: { application, environment, profile, version, deployment } };
}

export type Experiments = ReturnType<typeof experimentsStack>;
