import { BUCKETS, type BucketRange, bucketRanges } from './bucketing.ts';
import { ExperimentConfigInvalidError, ExperimentNotFoundError } from './errors.ts';

/**
 * Experiment definitions in AWS AppConfig's feature-flag document format
 * (`AWS.AppConfig.FeatureFlags`, version "1": `{ version, flags, values }`). One experiment is one
 * flag; its `values` entry carries `enabled` and the attributes below. Flags without a `variants`
 * attribute are plain feature flags and are left alone.
 *
 * | attribute        | type            | meaning                                                          |
 * | ---------------- | --------------- | ---------------------------------------------------------------- |
 * | `salt`           | string          | hashed with the key and the unit id (required)                   |
 * | `variants`       | string[]        | variant names, control first (2 … 25)                            |
 * | `weights`        | number[]        | percent per variant, ≤ 2 decimals, summing to 100                |
 * | `allocation`     | number          | percent of traffic in the experiment (0 … 100, ≤ 2 decimals; 100) |
 * | `start`, `end`   | string          | ISO-8601 times; outside them nobody is assigned                  |
 * | `primaryMetrics` | string[]        | pre-declared primary metrics                                     |
 * | `guardrails`     | string[]        | guardrail metrics (refund_rate, complaint_rate, …)               |
 * | `analysis`       | string          | `sequential` (default) or `fixed` (fixed horizon)                |
 */
export interface Experiment {
  readonly key: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly salt: string;
  readonly variants: readonly string[];
  /** Percent per variant, as declared. */
  readonly weights: readonly number[];
  /** Percent of traffic in the experiment, as declared. */
  readonly allocation: number;
  readonly start: string | null;
  readonly end: string | null;
  readonly primaryMetrics: readonly string[];
  readonly guardrails: readonly string[];
  readonly analysis: 'sequential' | 'fixed';
  /** Bucket ranges of the variants (see `bucketRanges`). */
  readonly ranges: readonly BucketRange[];
}

/** AppConfig's key pattern for flags and attributes. */
const KEY = /^[a-z][a-zA-Z\d_-]{0,63}$/;
const FLAG_DEFINITION_KEYS = new Set([
  'name',
  'description',
  '_createdAt',
  '_updatedAt',
  '_deprecation',
  'attributes',
]);
const MAX_ATTRIBUTES = 25;
const MAX_ARRAY = 25;
const MAX_STRING = 1024;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function fail(message: string): never {
  throw new ExperimentConfigInvalidError(message);
}

/** A percentage with at most two decimals, in basis points (exact: 50 → 5000, 12.5 → 1250). */
function basisPoints(value: number, where: string): number {
  const bp = Math.round(value * 100);
  if (!Number.isFinite(value) || Math.abs(value * 100 - bp) > 1e-6)
    fail(`${where}: ${value} is not a percentage with at most two decimals`);
  return bp;
}

/** Checks the document against the `AWS.AppConfig.FeatureFlags` type (version "1"). */
function checkDocument(doc: unknown): { flags: Record<string, unknown>; values: Record<string, unknown> } {
  if (!isObject(doc)) fail('the document is not a JSON object');
  for (const k of Object.keys(doc))
    if (k !== 'version' && k !== 'flags' && k !== 'values') fail(`unknown top-level property '${k}'`);
  if (doc.version !== '1') fail(`version must be "1", got ${JSON.stringify(doc.version)}`);
  const flags = doc.flags ?? {};
  const values = doc.values ?? {};
  if (!isObject(flags)) fail('flags must be an object');
  if (!isObject(values)) fail('values must be an object');
  for (const [key, def] of Object.entries(flags)) {
    if (!KEY.test(key)) fail(`flag key '${key}' does not match ${KEY.source}`);
    if (!isObject(def)) fail(`flags.${key} must be an object`);
    for (const k of Object.keys(def))
      if (!FLAG_DEFINITION_KEYS.has(k)) fail(`flags.${key}: unknown property '${k}'`);
    if (def.name !== undefined && typeof def.name !== 'string') fail(`flags.${key}.name must be a string`);
  }
  for (const [key, value] of Object.entries(values)) {
    if (!(key in flags)) fail(`values.${key} has no flag definition in flags`);
    if (!isObject(value)) fail(`values.${key} must be an object`);
    if (typeof value.enabled !== 'boolean') fail(`values.${key}.enabled must be true or false`);
    const attributes = Object.keys(value).filter((k) => k !== 'enabled' && !k.startsWith('_'));
    if (attributes.length > MAX_ATTRIBUTES)
      fail(`values.${key} has ${attributes.length} attributes (at most ${MAX_ATTRIBUTES})`);
    for (const name of attributes) {
      const v = value[name];
      const at = `values.${key}.${name}`;
      if (!KEY.test(name)) fail(`attribute '${at}' does not match ${KEY.source}`);
      if (typeof v === 'string') {
        if (v.length > MAX_STRING) fail(`${at} is longer than ${MAX_STRING} characters`);
      } else if (Array.isArray(v)) {
        if (v.length > MAX_ARRAY) fail(`${at} has ${v.length} items (at most ${MAX_ARRAY})`);
        const strings = v.every((x) => typeof x === 'string' && x.length <= MAX_STRING);
        const numbers = v.every((x) => typeof x === 'number' && Number.isFinite(x));
        if (!strings && !numbers) fail(`${at} must be an array of strings or an array of numbers`);
      } else if (!(typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)))) {
        fail(`${at} must be a string, number, boolean or array`);
      }
    }
  }
  return { flags, values };
}

const strings = (v: unknown, at: string): string[] => {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) fail(`${at} must be an array of strings`);
  return v;
};

const time = (v: unknown, at: string): string | null => {
  if (v === undefined) return null;
  if (typeof v !== 'string' || Number.isNaN(Date.parse(v))) fail(`${at} must be an ISO-8601 time`);
  return v;
};

function experimentOf(key: string, def: Record<string, unknown>, value: Record<string, unknown>): Experiment {
  const at = `values.${key}`;
  const variants = strings(value.variants, `${at}.variants`);
  if (variants.length < 2) fail(`${at}.variants must name at least two variants`);
  if (new Set(variants).size !== variants.length) fail(`${at}.variants has a duplicate name`);
  if (typeof value.salt !== 'string' || value.salt === '') fail(`${at}.salt must be a non-empty string`);
  const weights = value.weights;
  if (!Array.isArray(weights) || !weights.every((w) => typeof w === 'number'))
    fail(`${at}.weights must be an array of numbers (percent per variant)`);
  if (weights.length !== variants.length)
    fail(`${at}.weights has ${weights.length} numbers for ${variants.length} variants`);
  const weightsBp = weights.map((w, i) => {
    if (w < 0) fail(`${at}.weights[${i}] is negative`);
    return basisPoints(w, `${at}.weights[${i}]`);
  });
  const total = weightsBp.reduce((a, b) => a + b, 0);
  if (total !== BUCKETS) fail(`${at}.weights sum to ${total / 100}, not 100`);
  const allocation = value.allocation ?? 100;
  if (typeof allocation !== 'number' || allocation < 0 || allocation > 100)
    fail(`${at}.allocation must be a percentage between 0 and 100`);
  const allocationBp = basisPoints(allocation, `${at}.allocation`);
  const analysis = value.analysis ?? 'sequential';
  if (analysis !== 'sequential' && analysis !== 'fixed')
    fail(`${at}.analysis must be "sequential" or "fixed", got ${JSON.stringify(analysis)}`);
  const start = time(value.start, `${at}.start`);
  const end = time(value.end, `${at}.end`);
  if (start !== null && end !== null && Date.parse(end) <= Date.parse(start))
    fail(`${at}.end is not after start`);
  return {
    key,
    name: typeof def.name === 'string' ? def.name : key,
    enabled: value.enabled === true,
    salt: value.salt,
    variants,
    weights,
    allocation,
    start,
    end,
    primaryMetrics: strings(value.primaryMetrics, `${at}.primaryMetrics`),
    guardrails: strings(value.guardrails, `${at}.guardrails`),
    analysis,
    ranges: bucketRanges(variants, weightsBp, allocationBp),
  };
}

/** The experiments of one feature-flag document, by key. */
export class ExperimentCatalog {
  readonly #experiments: ReadonlyMap<string, Experiment>;
  readonly #plainFlags: ReadonlySet<string>;

  private constructor(experiments: Map<string, Experiment>, plainFlags: Set<string>) {
    this.#experiments = experiments;
    this.#plainFlags = plainFlags;
  }

  /**
   * Validates a parsed `AWS.AppConfig.FeatureFlags` document (what AppConfig's
   * GetLatestConfiguration returns, or the same JSON file locally) and reads its experiments.
   * Throws `ExperimentConfigInvalidError` naming the first broken rule.
   *
   * @example
   * const catalog = ExperimentCatalog.fromDocument(JSON.parse(text));
   * assignVariant(catalog.get('checkout-cta'), 'u_123');
   */
  static fromDocument(doc: unknown): ExperimentCatalog {
    const { flags, values } = checkDocument(doc);
    const experiments = new Map<string, Experiment>();
    const plain = new Set<string>();
    for (const [key, def] of Object.entries(flags)) {
      const value = values[key];
      if (isObject(value) && value.variants !== undefined)
        experiments.set(key, experimentOf(key, def as Record<string, unknown>, value));
      else plain.add(key);
    }
    return new ExperimentCatalog(experiments, plain);
  }

  /** Parses JSON text first (a syntax error is an `ExperimentConfigInvalidError` too). */
  static fromJson(text: string): ExperimentCatalog {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (error) {
      throw new ExperimentConfigInvalidError(`not JSON: ${(error as Error).message}`, { cause: error });
    }
    return ExperimentCatalog.fromDocument(doc);
  }

  /** Every experiment, in document order. */
  list(): Experiment[] {
    return [...this.#experiments.values()];
  }

  /** The experiment, or `ExperimentNotFoundError`. */
  get(key: string): Experiment {
    const found = this.#experiments.get(key);
    if (found) return found;
    if (this.#plainFlags.has(key))
      throw new ExperimentNotFoundError(`'${key}' is a feature flag without variants, not an experiment`);
    const known = [...this.#experiments.keys()];
    throw new ExperimentNotFoundError(
      `unknown experiment '${key}'${known.length ? ` (known: ${known.join(', ')})` : ' (the document declares none)'}`,
    );
  }
}
