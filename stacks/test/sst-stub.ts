/**
 * Stub SST and Pulumi globals for offline infra tests: every component records what it was
 * declared with, and outputs are plain tokens (`<Name.arn>`), so tests can read the whole app.
 */
type Args = Record<string, unknown>;

export interface Declaration {
  readonly type: string;
  readonly name: string;
  readonly args: Args;
}

class Token<T> implements SstOutput<T> {
  readonly value: T;
  constructor(value: T) {
    this.value = value;
  }
  apply<U>(fn: (value: T) => U): SstOutput<U> {
    return new Token(fn(this.value));
  }
  toString(): string {
    return String(this.value);
  }
}

/** Resolves tokens (recursively) to their plain values, for assertions. */
export function resolve(value: unknown): unknown {
  if (value instanceof Token) return resolve(value.value);
  if (Array.isArray(value)) return value.map(resolve);
  if (value && typeof value === 'object' && !(value instanceof Function)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
  }
  return value;
}

export function installSstStub(stage = 'test') {
  const declared: Declaration[] = [];
  const record = (type: string, name: string, args: Args) => declared.push({ type, name, args });
  const outputs = (name: string) => ({
    name: new Token(`${name}.name`),
    arn: new Token(`arn:${name}`),
    url: new Token(`https://sqs/${name}`),
    value: new Token(`${name}.value`),
  });
  function component(type: string) {
    return class {
      constructor(name: string, args: Args = {}) {
        record(type, name, args);
        Object.assign(this, outputs(name));
      }
    };
  }
  const Bus = class extends component('sst.aws.Bus') {
    subscribe(name: string, subscriber: Args, args: Args = {}) {
      record('sst.aws.Bus.subscribe', name, { subscriber, ...args });
      return {};
    }
  };
  const g = globalThis as Record<string, unknown>;
  g.$app = { name: 'lakeops', stage };
  g.$interpolate = (strings: TemplateStringsArray, ...values: unknown[]) =>
    new Token(
      strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(resolve(values[i])) : ''), ''),
    );
  g.$config = (config: unknown) => config;
  g.sst = {
    Secret: component('sst.Secret'),
    aws: {
      Bus,
      CronV2: component('sst.aws.CronV2'),
      Queue: component('sst.aws.Queue'),
      Bucket: component('sst.aws.Bucket'),
      Dynamo: component('sst.aws.Dynamo'),
    },
  };
  g.aws = {
    glue: { CatalogDatabase: component('aws.glue.CatalogDatabase') },
    athena: { Workgroup: component('aws.athena.Workgroup') },
    cloudwatch: { MetricAlarm: component('aws.cloudwatch.MetricAlarm') },
  };
  return declared;
}
