/**
 * The few SST platform globals lakeops uses, declared so that `npm run typecheck` works offline.
 * SST's full types come from `sst install` (.sst/platform/config.d.ts), which downloads Pulumi
 * providers from the internet; nothing here changes what SST runs. Keep this in step with the
 * components used in stacks/ (see README: "Type-checking the stacks offline").
 */
export {};

declare global {
  /** A value known at deploy time (a Pulumi Output); plain values are accepted wherever an Input is. */
  interface SstOutput<T> {
    apply<U>(fn: (value: T) => U): SstOutput<U>;
  }
  type SstInput<T> = T | SstOutput<T>;

  interface SstFunctionArgs {
    handler: string;
    description?: string;
    runtime?: 'nodejs24.x' | 'nodejs22.x';
    architecture?: 'x86_64' | 'arm64';
    timeout?: `${number} seconds` | `${number} minutes`;
    memory?: `${number} MB` | `${number} GB`;
    environment?: Record<string, SstInput<string>>;
    permissions?: { actions: string[]; resources: SstInput<string>[] }[];
    link?: unknown[];
    nodejs?: { format?: 'esm' | 'cjs'; minify?: boolean; sourcemap?: boolean; install?: string[] };
    transform?: { function?: (args: Record<string, unknown>) => void };
  }

  interface SstTransform {
    rule?: (args: { eventPattern?: SstInput<string>; [k: string]: unknown }) => void;
    target?: (args: {
      deadLetterConfig?: { arn: SstInput<string> };
      retryPolicy?: unknown;
      [k: string]: unknown;
    }) => void;
  }

  const $config: (config: {
    app(input: { stage?: string }): {
      name: string;
      home: 'aws';
      removal?: 'remove' | 'retain' | 'retain-all';
      protect?: boolean;
      providers?: Record<string, unknown>;
    };
    run(): Promise<Record<string, unknown> | undefined>;
  }) => unknown;

  const $app: { readonly name: string; readonly stage: string };
  function $interpolate(strings: TemplateStringsArray, ...values: unknown[]): SstOutput<string>;

  namespace sst {
    class Secret {
      constructor(name: string, placeholder?: string);
      readonly value: SstOutput<string>;
    }
    namespace aws {
      class Bus {
        constructor(name: string);
        readonly name: SstOutput<string>;
        readonly arn: SstOutput<string>;
        subscribe(
          name: string,
          subscriber: SstFunctionArgs,
          args?: {
            pattern?: { source?: unknown[]; detailType?: unknown[]; detail?: Record<string, unknown> };
            transform?: SstTransform;
          },
        ): unknown;
      }
      class CronV2 {
        constructor(
          name: string,
          args: {
            function: SstFunctionArgs;
            schedule: string;
            timezone?: string;
            retries?: number;
            dlq?: SstInput<string>;
            enabled?: boolean;
          },
        );
      }
      class Queue {
        constructor(
          name: string,
          args?: {
            visibilityTimeout?: `${number} seconds` | `${number} minutes`;
            transform?: { queue?: (args: Record<string, unknown>) => void };
          },
        );
        readonly arn: SstOutput<string>;
        readonly url: SstOutput<string>;
      }
      class Bucket {
        constructor(name: string, args?: { versioning?: boolean });
        readonly name: SstOutput<string>;
        readonly arn: SstOutput<string>;
      }
      class Dynamo {
        constructor(
          name: string,
          args: {
            fields: Record<string, 'string' | 'number' | 'binary'>;
            primaryIndex: { hashKey: string; rangeKey?: string };
            ttl?: string;
          },
        );
        readonly name: SstOutput<string>;
        readonly arn: SstOutput<string>;
      }
    }
  }

  namespace aws {
    namespace glue {
      class CatalogDatabase {
        constructor(name: string, args: { name: SstInput<string>; description?: string });
        readonly name: SstOutput<string>;
        readonly arn: SstOutput<string>;
      }
    }
    namespace athena {
      class Workgroup {
        constructor(name: string, args: Record<string, unknown>);
        readonly name: SstOutput<string>;
        readonly arn: SstOutput<string>;
      }
    }
    namespace cloudwatch {
      class MetricAlarm {
        constructor(name: string, args: Record<string, unknown>);
      }
    }
  }
}
