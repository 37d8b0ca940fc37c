/**
 * The child-process side of the synth harness (bundled by build.ts with SST's platform and the
 * stacks; never imported by the test process). It stands in for the SST CLI and the Pulumi engine:
 * Pulumi's mock monitor (`runtime.setMocks`) records every resource the real components register,
 * `call` answers the data sources, and a JSON-RPC server on 127.0.0.1 answers what SST's components
 * ask the CLI (`Runtime.Build`, `Provider.Aws.Bootstrap`, …). Nothing reaches AWS.
 */
import crypto, { type createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import type { SynthResource } from './types.ts';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const PARTITION = 'aws';

/** What Pulumi passes a mock (`@pulumi/pulumi/runtime/mocks`), as far as the harness reads it. */
interface MockResourceArgs {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  custom?: boolean;
  id?: string;
}
interface MockCallArgs {
  token: string;
  inputs: Record<string, unknown>;
}
interface Mocks {
  newResource(args: MockResourceArgs): Promise<{ id: string | undefined; state: Record<string, unknown> }>;
  call(args: MockCallArgs): Promise<Record<string, unknown>>;
}
/** The parts of `@pulumi/pulumi` the harness drives (the platform's own copy is passed in). */
export interface PulumiModule {
  runtime: {
    setMocks(mocks: Mocks, project?: string, stack?: string, preview?: boolean): Promise<void> | void;
    runInPulumiStack(init: () => Promise<unknown>): Promise<unknown>;
    /** Resolves when Pulumi's queue of outstanding resource RPCs is empty (internal, but exported). */
    waitForRPCs(): Promise<void>;
  };
}

/** Pulumi's marker for a value not known until deploy (never expected with preview=false). */
const UNKNOWN = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';
/** Pulumi's wire form of a secret: `{ [SIG_KEY]: SECRET_SIG, value }`. */
const SIG_KEY = '4dabf18193072939515e22adb298388d';
const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';

interface Recorded {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

/** The service part of a type token: `aws:sqs/queue:Queue` → `sqs`. */
function serviceOf(type: string): string {
  return type.split(':')[1]?.split('/')[0] ?? 'unknown';
}

/** A mock AppConfig id: the service's 7-character ids, here from the resource's logical name. */
function appConfigId(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(-7);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** ARN-like attributes a real provider would return after create, by resource type. */
export function mockState(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  const physical = str(inputs.name) ?? name;
  const at = (service: string, resource: string) =>
    `arn:${PARTITION}:${service}:${REGION}:${ACCOUNT}:${resource}`;
  switch (type) {
    case 'aws:s3/bucket:Bucket':
    case 'aws:s3/bucketV2:BucketV2': {
      const bucket = str(inputs.bucket) ?? name.toLowerCase();
      return {
        bucket,
        arn: `arn:${PARTITION}:s3:::${bucket}`,
        bucketDomainName: `${bucket}.s3.amazonaws.com`,
        bucketRegionalDomainName: `${bucket}.s3.${REGION}.amazonaws.com`,
        region: REGION,
      };
    }
    case 'aws:sqs/queue:Queue':
      return { arn: at('sqs', physical), url: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${physical}` };
    case 'aws:iam/role:Role':
      return {
        arn: `arn:${PARTITION}:iam::${ACCOUNT}:role/${physical}`,
        uniqueId: `AROA${name.toUpperCase()}`,
      };
    case 'aws:iam/policy:Policy':
      return { arn: `arn:${PARTITION}:iam::${ACCOUNT}:policy/${physical}` };
    case 'aws:lambda/function:Function': {
      const arn = at('lambda', `function:${physical}`);
      return {
        arn,
        qualifiedArn: `${arn}:$LATEST`,
        invokeArn: `arn:${PARTITION}:apigateway:${REGION}:lambda:path/2015-03-31/functions/${arn}/invocations`,
        version: '$LATEST',
      };
    }
    case 'aws:lambda/functionUrl:FunctionUrl':
      // Lambda: `https://<url-id>.lambda-url.<region>.on.aws/` (FunctionUrlConfig).
      return {
        functionUrl: `https://${name.toLowerCase().replace(/[^a-z0-9]/g, '')}.lambda-url.${REGION}.on.aws/`,
        urlId: name.toLowerCase(),
      };
    case 'aws:cloudwatch/eventBus:EventBus':
      return { arn: at('events', `event-bus/${physical}`) };
    case 'aws:cloudwatch/eventRule:EventRule': {
      // A rule on the default bus has no bus in its ARN: `rule/[<bus>/]<name>` (Service
      // Authorization Reference, Amazon EventBridge resource types).
      const bus = str(inputs.eventBusName) ?? 'default';
      return { arn: at('events', bus === 'default' ? `rule/${physical}` : `rule/${bus}/${physical}`) };
    }
    case 'aws:dynamodb/table:Table':
      return {
        arn: at('dynamodb', `table/${physical}`),
        streamArn: at('dynamodb', `table/${physical}/stream/x`),
      };
    case 'aws:sns/topic:Topic':
      return { arn: at('sns', physical) };
    case 'aws:glue/catalogDatabase:CatalogDatabase':
      return { arn: at('glue', `database/${physical}`), catalogId: ACCOUNT };
    case 'aws:glue/catalogTable:CatalogTable':
      return { arn: at('glue', `table/${str(inputs.databaseName) ?? ''}/${physical}`), catalogId: ACCOUNT };
    case 'aws:athena/workgroup:Workgroup':
      return { arn: at('athena', `workgroup/${physical}`) };
    case 'aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream':
      return { arn: at('firehose', `deliverystream/${physical}`) };
    case 'aws:ssm/parameter:Parameter':
      return { arn: at('ssm', `parameter/${physical.replace(/^\//, '')}`) };
    case 'aws:cloudwatch/logGroup:LogGroup':
      return { arn: at('logs', `log-group:${physical}`) };
    case 'aws:cloudwatch/metricAlarm:MetricAlarm':
      return { arn: at('cloudwatch', `alarm:${physical}`) };
    case 'aws:scheduler/schedule:Schedule':
      return { arn: at('scheduler', `schedule/${str(inputs.groupName) ?? 'default'}/${physical}`) };
    // AppConfig ids are generated by the service (7 lowercase alphanumerics); the mock derives them
    // from the logical name. ARN formats: Service Authorization Reference, AWS AppConfig.
    case 'aws:appconfig/application:Application':
      return { arn: at('appconfig', `application/${name}-id`) };
    case 'aws:appconfig/environment:Environment':
      return {
        environmentId: appConfigId(name),
        arn: at(
          'appconfig',
          `application/${str(inputs.applicationId) ?? ''}/environment/${appConfigId(name)}`,
        ),
      };
    case 'aws:appconfig/configurationProfile:ConfigurationProfile':
      return {
        configurationProfileId: appConfigId(name),
        arn: at(
          'appconfig',
          `application/${str(inputs.applicationId) ?? ''}/configurationprofile/${appConfigId(name)}`,
        ),
      };
    case 'aws:appconfig/hostedConfigurationVersion:HostedConfigurationVersion':
      return { versionNumber: 1 };
    case 'random:index/randomBytes:RandomBytes':
      return {
        base64: Buffer.alloc(Number(inputs.length ?? 32), 7).toString('base64'),
        hex: '07'.repeat(32),
      };
    case 'random:index/randomString:RandomString':
      return { result: 'x'.repeat(Number(inputs.length ?? 8)) };
    default:
      return { arn: at(serviceOf(type), physical) };
  }
}

/** `aws.iam.getPolicyDocument`: the provider turns statements into IAM JSON; so does the mock. */
export function policyDocumentJson(inputs: Record<string, unknown>): string {
  type Statement = {
    sid?: string;
    effect?: string;
    actions?: string[];
    notActions?: string[];
    resources?: string[];
    notResources?: string[];
    principals?: { type: string; identifiers: string[] }[];
    conditions?: { test: string; variable: string; values: string[] }[];
  };
  const one = (values: string[]) => (values.length === 1 ? values[0] : values);
  // type "*" with identifiers ["*"] is the literal `"Principal": "*"` (aws_iam_policy_document).
  const principal = (ps: { type: string; identifiers: string[] }[]) =>
    ps.length === 1 && ps[0]?.type === '*' && ps[0].identifiers.join() === '*'
      ? '*'
      : Object.fromEntries(ps.map((p) => [p.type, one(p.identifiers)]));
  const statements = (inputs.statements ?? []) as Statement[];
  return JSON.stringify({
    Version: str(inputs.version) ?? '2012-10-17',
    Statement: statements.map((s) => ({
      ...(s.sid ? { Sid: s.sid } : {}),
      Effect: s.effect ?? 'Allow',
      ...(s.actions ? { Action: one(s.actions) } : {}),
      ...(s.notActions ? { NotAction: one(s.notActions) } : {}),
      ...(s.resources ? { Resource: one(s.resources) } : {}),
      ...(s.notResources ? { NotResource: one(s.notResources) } : {}),
      ...(s.principals ? { Principal: principal(s.principals) } : {}),
      ...(s.conditions
        ? {
            Condition: s.conditions.reduce<Record<string, Record<string, unknown>>>((acc, c) => {
              acc[c.test] = { ...acc[c.test], [c.variable]: one(c.values) };
              return acc;
            }, {}),
          }
        : {}),
    })),
  });
}

/** Answers for the data sources (invokes) the stacks make; anything else fails loudly. */
export function mockCall(token: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (token) {
    case 'aws:index/getCallerIdentity:getCallerIdentity':
      return {
        accountId: ACCOUNT,
        arn: `arn:${PARTITION}:iam::${ACCOUNT}:user/synth`,
        userId: 'AIDASYNTH',
        id: ACCOUNT,
      };
    case 'aws:index/getRegion:getRegion':
      return { name: REGION, region: REGION, id: REGION, endpoint: `ec2.${REGION}.amazonaws.com` };
    case 'aws:index/getPartition:getPartition':
      return {
        partition: PARTITION,
        id: PARTITION,
        dnsSuffix: 'amazonaws.com',
        reverseDnsPrefix: 'com.amazonaws',
      };
    case 'aws:iam/getPolicyDocument:getPolicyDocument':
      // The provider echoes its arguments next to the rendered document.
      return {
        ...inputs,
        json: policyDocumentJson(inputs),
        minifiedJson: policyDocumentJson(inputs),
        id: 'policy',
      };
    default:
      throw new Error(`synth: no mock for the data source ${token} (add it to stacks/synth/runtime.ts)`);
  }
}

/**
 * Inputs as plain JSON: secrets unwrapped (on AWS they are the same values, encrypted in the
 * state), unknowns marked, assets as `{ $asset: kind, path }` with paths relative to the work dir.
 */
export async function plain(value: unknown, work: string): Promise<unknown> {
  const v = await value;
  if (v === UNKNOWN) return { $unknown: true };
  if (Array.isArray(v)) return Promise.all(v.map((x) => plain(x, work)));
  if (v && typeof v === 'object') {
    const record = v as Record<string, unknown>;
    if (record[SIG_KEY] === SECRET_SIG) return plain(record.value, work);
    const entries = await Promise.all(
      Object.entries(record)
        .filter(([k]) => !k.startsWith('__pulumi'))
        .map(async ([k, x]) => [k, await plain(x, work)] as const),
    );
    const out = Object.fromEntries(entries.filter(([, x]) => x !== undefined));
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) {
      const path = typeof out.path === 'string' ? out.path.replace(work, '<work>') : out.path;
      return { $asset: (v as object).constructor.name, ...out, ...(path === undefined ? {} : { path }) };
    }
    return out;
  }
  return v;
}

/**
 * SST suffixes physical names with `crypto.randomBytes` (naming.ts: `physicalName` turns 8 random
 * bytes into 8 "pretty" characters with `hashStringToPrettyString`). A counter-seeded stream makes
 * the bytes reproducible, but not which resource gets which: names are made inside `apply`
 * callbacks whose order depends on timing. So the suffixes handed out are remembered, and
 * {@link canonicalSuffixes} renames them by where they first appear in the sorted output.
 * Returns the suffixes generated so far (the pretty strings).
 */
export function deterministicRandomBytes(crypto: {
  randomBytes: unknown;
  createHash: typeof createHash;
}): () => string[] {
  let counter = 0;
  const generated: string[] = [];
  crypto.randomBytes = (size: number) => {
    const out = Buffer.alloc(size);
    for (let at = 0; at < size; at += 32) {
      crypto.createHash('sha256').update(`lakeops-synth-${counter++}`).digest().copy(out, at);
    }
    if (size === 8) generated.push(prettySuffix(crypto.createHash, out.toString('hex')));
    return out;
  };
  return () => [...generated];
}

/** SST's `hashStringToPrettyString(str, 8)` (naming.ts), for the suffixes we hand out. */
function prettySuffix(hash: typeof createHash, str: string): string {
  const chars = 'abcdefhkmnorstuvwxz';
  let n = Number(`0x${hash('sha256').update(str).digest('hex').substring(0, 16)}`);
  let out = '';
  while (n > 0) {
    out = chars[n % chars.length] + out;
    n = Math.floor(n / chars.length);
  }
  return out.slice(0, 8).padStart(8, 's');
}

/**
 * Renames every generated suffix (`-<8 chars>`) in the sorted output by the order in which it
 * first appears there, so two runs that handed the same suffixes to different resources give the
 * same text.
 */
export function canonicalSuffixes(
  text: string,
  suffixes: readonly string[],
  hash: typeof createHash,
): string {
  if (suffixes.length === 0) return text;
  const known = new Set(suffixes);
  const renamed = new Map<string, string>();
  return text.replace(/-([abcdefhkmnorstuvwxz]{8})(?![a-z0-9])/g, (whole, suffix: string) => {
    if (!known.has(suffix)) return whole;
    let next = renamed.get(suffix);
    if (next === undefined) {
      next = prettySuffix(hash, `lakeops-synth-canonical-${renamed.size}`);
      renamed.set(suffix, next);
    }
    return `-${next}`;
  });
}

/** The JSON-RPC 1.0 server SST's components call at `$SST_SERVER/rpc` (the CLI's, here mocked). */
async function startRpcServer(work: string): Promise<Server> {
  const methods: Record<string, (args: Record<string, unknown>) => Promise<unknown>> = {
    // What the CLI's esbuild step returns; the "bundle" is one stub file at the handler's path.
    'Runtime.Build': async (args) => {
      const functionID = String(args.functionID);
      const handler = String(args.handler);
      const out = join(work, 'artifacts', `${functionID}-src`);
      const file = join(out, `${handler.slice(0, handler.lastIndexOf('.'))}.mjs`);
      await mkdir(dirname(file), { recursive: true });
      const exported = handler.slice(handler.lastIndexOf('.') + 1);
      await writeFile(file, `// synth stub for ${handler}\nexport const ${exported} = async () => {};\n`);
      return { handler, out, errors: [], sourcemaps: [] };
    },
    'Runtime.AddTarget': async () => ({}),
    'Provider.Aws.Bootstrap': async (args) => ({
      asset: `sst-asset-synth-${str(args.region) ?? REGION}`,
      assetEcrRegistryId: ACCOUNT,
      assetEcrUrl: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/sst-asset`,
      state: `sst-state-synth-${str(args.region) ?? REGION}`,
      appsyncHttp: '',
      appsyncRealtime: '',
    }),
    'Provider.Aws.Appsync': async () => ({ http: '', realtime: '' }),
  };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', async () => {
      const reply = (payload: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      try {
        const { method, params } = JSON.parse(body) as { method: string; params: Record<string, unknown>[] };
        const fn = methods[method];
        // The Go CLI's net/rpc wording, which SST's rpc.call maps to MethodNotFoundError.
        if (!fn) return reply({ result: null, error: `rpc: can't find method ${method}` });
        reply({ result: await fn(params[0] ?? {}), error: null });
      } catch (error) {
        reply({ result: null, error: error instanceof Error ? error.message : String(error) });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

type SstConfig = { app(input: { stage: string }): unknown; run(): Promise<unknown> };

export interface SynthRunInput {
  readonly pulumi: PulumiModule;
  /** The sst config module (`export default $config({ app, run })`). */
  readonly config: { default: SstConfig };
  /** SST's `run` (`.sst/platform/src/auto/run.ts`). */
  readonly sstRun: (program: () => Promise<unknown>) => Promise<unknown>;
  /** `$app` and `$cli`, already set as globals by the bundle's banner. */
  readonly globals: { $lakeopsSynthApp: { name: string; stage: string } };
  readonly root: string;
  readonly work: string;
  readonly out: string;
}

/** Runs the app under the mocks and writes the sorted resources (JSON) to `input.out`. */
export async function synthInChild(input: SynthRunInput): Promise<void> {
  const recorded: Recorded[] = [];
  const suffixes = deterministicRandomBytes(crypto);
  // Every secret not given gets a placeholder, as if set with `sst secret set`.
  process.env = new Proxy(process.env, {
    get: (env, key) =>
      typeof key === 'string' && key.startsWith('SST_SECRET_') && env[key] === undefined
        ? `synth-${key.slice('SST_SECRET_'.length)}`
        : Reflect.get(env, key),
  });
  const failures: unknown[] = [];
  process.on('unhandledRejection', (reason) => failures.push(reason));
  const server = await startRpcServer(input.work);
  process.env.SST_SERVER = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { pulumi, sstRun } = input;
  const app = input.globals.$lakeopsSynthApp;
  await pulumi.runtime.setMocks(
    {
      async newResource(args) {
        const state = args.custom === false ? {} : mockState(args.type, args.name, args.inputs);
        if (args.custom !== false && !args.type.startsWith('pulumi:providers:')) {
          recorded.push({ type: args.type, name: args.name, inputs: args.inputs });
        }
        return {
          id: args.custom === false ? undefined : `${args.name}-id`,
          state: { ...args.inputs, ...state },
        };
      },
      async call(args) {
        return mockCall(args.token, args.inputs);
      },
    },
    app.name,
    app.stage,
    false,
  );

  try {
    await pulumi.runtime.runInPulumiStack(() => sstRun(input.config.default.run));
    // Registrations started inside `apply` callbacks finish after the program returns: wait until
    // Pulumi's RPC queue is empty and the count of resources stops moving.
    let seen = -1;
    for (let quiet = 0; quiet < 3; ) {
      await pulumi.runtime.waitForRPCs();
      await new Promise((resolve) => setTimeout(resolve, 20));
      quiet = recorded.length === seen ? quiet + 1 : 0;
      seen = recorded.length;
    }
    if (failures.length > 0) throw failures[0];
    const resources: SynthResource[] = await Promise.all(
      recorded.map(async (r) => ({
        type: r.type,
        name: r.name,
        inputs: (await plain(r.inputs, input.work)) as Record<string, unknown>,
      })),
    );
    resources.sort((a, b) => (a.type === b.type ? compare(a.name, b.name) : compare(a.type, b.type)));
    await writeFile(input.out, canonicalSuffixes(JSON.stringify(resources), suffixes(), crypto.createHash));
  } finally {
    server.close();
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
