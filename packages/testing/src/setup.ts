// One setup file for every test project: the aws-sdk-client-mock matchers and a Lambda-like env.
import 'aws-sdk-client-mock-vitest/extend';

process.env.POWERTOOLS_DEV ??= 'false';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_SERVICE_NAME ??= 'lakeops-test';
process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'lakeops';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
process.env.AWS_REGION ??= 'eu-west-1';
