import type { Route } from '../functions/lib/route.ts';
import { consoleFunction, ratePeriodSeconds } from '../functions/url-functions.ts';
import { functionArgs, lambdaOnlyTrust, type Resources } from './function-args.ts';

/**
 * The ops console on AWS: one function (functions/console.ts, declared in
 * functions/url-functions.ts) behind a Lambda function URL with `AWS_IAM` auth. SST 4.17.1's
 * `url: { authorization: "iam" }` creates the `FunctionUrl` with `authorizationType: "AWS_IAM"` and,
 * unlike `"none"`, no public `lambda:Permission`: only principals whose IAM policy allows
 * `lambda:InvokeFunctionUrl` (and `lambda:InvokeFunction`) on it can call it, SigV4-signed. No CORS:
 * the page and its API share the URL's origin. Called synchronously, so no async DLQ.
 * Query results are kept for the NRT refresh period, read from the `nrt-refresh` schedule route.
 */
export function consoleStack(routes: readonly Route[], r: Resources) {
  const refresh = routes.find((route) => route.id === 'nrt-refresh');
  if (refresh?.kind !== 'schedule')
    throw new Error(
      'the console keeps query results for the NRT refresh period: no nrt-refresh schedule route',
    );
  return new sst.aws.Function('Console', {
    ...functionArgs(consoleFunction, r, {
      LAKEOPS_ATHENA_READ_WORKGROUP: r.readWorkgroup.name,
      LAKEOPS_GLUE_DATABASE_PREFIX: r.glueDatabasePrefix,
      LAKEOPS_CONSOLE_CACHE_SECONDS: String(ratePeriodSeconds(refresh.schedule)),
    }),
    url: { authorization: consoleFunction.authorization, cors: false },
    transform: {
      function: (args) => {
        args.tracingConfig = { mode: 'Active' };
      },
      role: lambdaOnlyTrust,
    },
  });
}
