/**
 * A JSON Schema read into the shape the compatibility rules compare: one node per schema, typed
 * by what it constrains (string, number, object, array, enum, const, not, a combination, the empty
 * schema, `false`). A schema that constrains several things at once (`type: string` + `enum`)
 * becomes a synthetic `allOf`; a type list becomes an `anyOf`. `$ref`s within the document are
 * followed. Draft-07 (the default when `$schema` is absent) and 2020-12 keywords are understood.
 */

import { SchemaUnreadableError } from '../errors.ts';

export type Dialect = 'draft-07' | '2020-12';
export type Criterion = 'allOf' | 'anyOf' | 'oneOf';

interface Annotations {
  readonly id: string | undefined;
  readonly title: string | undefined;
  readonly description: string | undefined;
  readonly default: string | undefined; // canonical JSON, undefined when absent
}

interface Base {
  readonly annotations: Annotations;
}

export interface EmptyNode extends Base {
  readonly kind: 'empty';
}
export interface FalseNode extends Base {
  readonly kind: 'false';
}
export interface BooleanNode extends Base {
  readonly kind: 'boolean';
}
export interface NullNode extends Base {
  readonly kind: 'null';
}
export interface StringNode extends Base {
  readonly kind: 'string';
  readonly minLength: number | undefined;
  readonly maxLength: number | undefined;
  readonly pattern: string | undefined;
}
export interface NumberNode extends Base {
  readonly kind: 'number';
  readonly integer: boolean;
  readonly minimum: number | undefined;
  readonly maximum: number | undefined;
  readonly exclusiveMinimum: number | undefined;
  readonly exclusiveMaximum: number | undefined;
  readonly multipleOf: number | undefined;
}
export interface EnumNode extends Base {
  readonly kind: 'enum';
  readonly values: readonly string[]; // canonical JSON of each value
}
export interface ConstNode extends Base {
  readonly kind: 'const';
  readonly value: string; // canonical JSON
}
export interface NotNode extends Base {
  readonly kind: 'not';
  readonly schema: SchemaNode;
}
export interface CombinedNode extends Base {
  readonly kind: 'combined';
  readonly criterion: Criterion;
  /** Distinct subschemas (duplicates collapsed), in document order. */
  readonly subschemas: readonly SchemaNode[];
}
export interface ObjectNode extends Base {
  readonly kind: 'object';
  readonly properties: ReadonlyMap<string, SchemaNode>;
  readonly required: readonly string[];
  readonly permitsAdditionalProperties: boolean;
  readonly additionalProperties: SchemaNode | undefined;
  readonly patternProperties: readonly (readonly [RegExp, SchemaNode])[];
  readonly dependencyArrays: ReadonlyMap<string, readonly string[]>;
  readonly dependencySchemas: ReadonlyMap<string, SchemaNode>;
  readonly minProperties: number | undefined;
  readonly maxProperties: number | undefined;
}
export interface ArrayNode extends Base {
  readonly kind: 'array';
  readonly allItems: SchemaNode | undefined;
  readonly tupleItems: readonly SchemaNode[] | undefined;
  readonly permitsAdditionalItems: boolean;
  readonly additionalItems: SchemaNode | undefined;
  readonly minItems: number | undefined;
  readonly maxItems: number | undefined;
  readonly uniqueItems: boolean;
  readonly contains: SchemaNode | undefined;
  readonly minContains: number | undefined;
  readonly maxContains: number | undefined;
}

export type SchemaNode =
  | EmptyNode
  | FalseNode
  | BooleanNode
  | NullNode
  | StringNode
  | NumberNode
  | EnumNode
  | ConstNode
  | NotNode
  | CombinedNode
  | ObjectNode
  | ArrayNode;

type Json = Record<string, unknown>;

const OBJECT_KEYWORDS = [
  'properties',
  'additionalProperties',
  'required',
  'minProperties',
  'maxProperties',
  'dependencies',
  'patternProperties',
  'propertyNames',
];
const OBJECT_KEYWORDS_2020 = ['dependentRequired', 'dependentSchemas', 'unevaluatedProperties'];
const ARRAY_KEYWORDS = ['items', 'additionalItems', 'minItems', 'maxItems', 'uniqueItems', 'contains'];
const ARRAY_KEYWORDS_2020 = ['prefixItems', 'unevaluatedItems', 'minContains', 'maxContains'];
const STRING_KEYWORDS = ['minLength', 'maxLength', 'pattern', 'format'];
const NUMBER_KEYWORDS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'];
const TYPES = ['string', 'number', 'integer', 'boolean', 'null', 'object', 'array'] as const;
type TypeName = (typeof TYPES)[number];

/** Reads a whole schema document. */
export function readSchema(document: unknown): SchemaNode {
  if (
    typeof document !== 'boolean' &&
    (typeof document !== 'object' || document === null || Array.isArray(document))
  ) {
    throw new SchemaUnreadableError('a JSON Schema must be an object or a boolean');
  }
  const dialect = dialectOf(document);
  return new Reader(document, dialect).node(document, '#');
}

function dialectOf(document: unknown): Dialect {
  const declared = typeof document === 'object' && document !== null ? (document as Json).$schema : undefined;
  return typeof declared === 'string' && /2019-09|2020-12/.test(declared) ? '2020-12' : 'draft-07';
}

/** Canonical JSON (sorted keys): equal values give equal strings. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

class Reader {
  private readonly cache = new Map<unknown, SchemaNode>();
  private readonly root: unknown;
  private readonly dialect: Dialect;

  constructor(root: unknown, dialect: Dialect) {
    this.root = root;
    this.dialect = dialect;
  }

  node(raw: unknown, where: string): SchemaNode {
    if (raw === true) return { kind: 'empty', annotations: NO_ANNOTATIONS };
    if (raw === false) return { kind: 'false', annotations: NO_ANNOTATIONS };
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new SchemaUnreadableError(`${where} is not a schema (an object or a boolean)`);
    }
    const cached = this.cache.get(raw);
    if (cached) return cached;
    const json = raw as Json;
    if (typeof json.$ref === 'string') {
      const target = this.resolve(json.$ref, where);
      this.cache.set(raw, { kind: 'empty', annotations: NO_ANNOTATIONS });
      const node = this.node(target, json.$ref);
      this.cache.set(raw, node);
      return node;
    }
    // A placeholder guards against a $ref cycle back to this schema while it is read.
    this.cache.set(raw, { kind: 'empty', annotations: NO_ANNOTATIONS });
    const node = this.build(json, where);
    this.cache.set(raw, node);
    return node;
  }

  private resolve(ref: string, where: string): unknown {
    if (!ref.startsWith('#'))
      throw new SchemaUnreadableError(`${where}: only local $refs are supported, not ${ref}`);
    let target: unknown = this.root;
    for (const token of ref.slice(1).split('/').slice(1)) {
      const key = decodeURIComponent(token).replace(/~1/g, '/').replace(/~0/g, '~');
      target = typeof target === 'object' && target !== null ? (target as Json)[key] : undefined;
      if (target === undefined) throw new SchemaUnreadableError(`${where}: $ref ${ref} points at nothing`);
    }
    return target;
  }

  private build(json: Json, where: string): SchemaNode {
    const parts: SchemaNode[] = [];
    const plain = { annotations: NO_ANNOTATIONS };
    if (Array.isArray(json.enum)) parts.push({ kind: 'enum', values: json.enum.map(canonical), ...plain });
    for (const criterion of ['allOf', 'anyOf', 'oneOf'] as const) {
      const list = json[criterion];
      if (Array.isArray(list)) {
        const subs = list.map((s, i) => this.node(s, `${where}/${criterion}/${i}`));
        parts.push({ kind: 'combined', criterion, subschemas: distinct(subs, list), ...plain });
      }
    }
    if (json.not !== undefined)
      parts.push({ kind: 'not', schema: this.node(json.not, `${where}/not`), ...plain });
    if ('const' in json) parts.push({ kind: 'const', value: canonical(json.const), ...plain });
    parts.push(...this.typed(json, where));
    const annotations = this.annotations(json);
    if (parts.length === 0) return { kind: 'empty', annotations };
    if (parts.length === 1) return { ...(parts[0] as SchemaNode), annotations };
    return { kind: 'combined', criterion: 'allOf', subschemas: parts, annotations };
  }

  private typed(json: Json, where: string): SchemaNode[] {
    const declared = json.type;
    if (typeof declared === 'string') return [this.ofType(declared, json, where)];
    if (Array.isArray(declared)) {
      const subs = declared.map((t) => this.ofType(t, json, where));
      return subs.length === 1
        ? subs
        : [{ kind: 'combined', criterion: 'anyOf', subschemas: subs, annotations: NO_ANNOTATIONS }];
    }
    // No `type`: infer it from the keywords present.
    const has = (keywords: readonly string[]) =>
      keywords.some((k) => k in json && !this.isVacuous(k, json[k]));
    const sniffed: TypeName[] = [];
    if (has(OBJECT_KEYWORDS) || (this.dialect === '2020-12' && has(OBJECT_KEYWORDS_2020)))
      sniffed.push('object');
    if (has(ARRAY_KEYWORDS) || (this.dialect === '2020-12' && has(ARRAY_KEYWORDS_2020)))
      sniffed.push('array');
    if (has(STRING_KEYWORDS)) sniffed.push('string');
    if (has(NUMBER_KEYWORDS)) sniffed.push('number');
    return sniffed.map((t) => this.ofType(t, json, where));
  }

  /** 2020-12 reads an empty `properties` as no constraint at all. */
  private isVacuous(keyword: string, value: unknown): boolean {
    return (
      this.dialect === '2020-12' &&
      keyword === 'properties' &&
      typeof value === 'object' &&
      value !== null &&
      Object.keys(value).length === 0
    );
  }

  private ofType(type: unknown, json: Json, where: string): SchemaNode {
    const annotations = NO_ANNOTATIONS;
    switch (type) {
      case 'string':
        return {
          kind: 'string',
          minLength: num(json.minLength),
          maxLength: num(json.maxLength),
          pattern: typeof json.pattern === 'string' ? json.pattern : undefined,
          annotations,
        };
      case 'number':
      case 'integer':
        return {
          kind: 'number',
          integer: type === 'integer',
          minimum: num(json.minimum),
          maximum: num(json.maximum),
          exclusiveMinimum: num(json.exclusiveMinimum),
          exclusiveMaximum: num(json.exclusiveMaximum),
          multipleOf: num(json.multipleOf),
          annotations,
        };
      case 'boolean':
        return { kind: 'boolean', annotations };
      case 'null':
        return { kind: 'null', annotations };
      case 'object':
        return this.object(json, where);
      case 'array':
        return this.array(json, where);
      default:
        throw new SchemaUnreadableError(`${where}/type: unknown type ${JSON.stringify(type)}`);
    }
  }

  private object(json: Json, where: string): ObjectNode {
    const properties = new Map<string, SchemaNode>();
    for (const [name, schema] of Object.entries(record(json.properties))) {
      properties.set(name, this.node(schema, `${where}/properties/${name}`));
    }
    const patternProperties: (readonly [RegExp, SchemaNode])[] = [];
    for (const [pattern, schema] of Object.entries(record(json.patternProperties))) {
      patternProperties.push([
        regex(pattern, where),
        this.node(schema, `${where}/patternProperties/${pattern}`),
      ]);
    }
    let additional: unknown = json.additionalProperties;
    if (additional === undefined && this.dialect === '2020-12') additional = json.unevaluatedProperties;
    const dependencyArrays = new Map<string, readonly string[]>();
    const dependencySchemas = new Map<string, SchemaNode>();
    const addDependencies = (deps: Json, keyword: string) => {
      for (const [name, dep] of Object.entries(deps)) {
        if (Array.isArray(dep)) dependencyArrays.set(name, dep.map(String));
        else dependencySchemas.set(name, this.node(dep, `${where}/${keyword}/${name}`));
      }
    };
    addDependencies(record(json.dependencies), 'dependencies');
    if (this.dialect === '2020-12') {
      addDependencies(record(json.dependentRequired), 'dependentRequired');
      addDependencies(record(json.dependentSchemas), 'dependentSchemas');
    }
    return {
      kind: 'object',
      properties,
      required: Array.isArray(json.required) ? json.required.map(String) : [],
      permitsAdditionalProperties: additional !== false,
      additionalProperties:
        additional === undefined || typeof additional === 'boolean'
          ? undefined
          : this.node(additional, `${where}/additionalProperties`),
      patternProperties,
      dependencyArrays,
      dependencySchemas,
      minProperties: num(json.minProperties),
      maxProperties: num(json.maxProperties),
      annotations: NO_ANNOTATIONS,
    };
  }

  private array(json: Json, where: string): ArrayNode {
    let tuple: unknown[] | undefined;
    let all: unknown;
    let additional: unknown;
    if (this.dialect === '2020-12') {
      tuple = Array.isArray(json.prefixItems) ? json.prefixItems : undefined;
      const items = json.items ?? (tuple ? json.unevaluatedItems : undefined);
      // `items` after `prefixItems`, or a boolean `items`, says what may follow: additional items.
      if (tuple || typeof items === 'boolean') additional = items;
      else all = items;
    } else if (Array.isArray(json.items)) {
      tuple = json.items;
      additional = json.additionalItems;
    } else {
      all = json.items;
      additional = json.additionalItems;
    }
    const contains = json.contains === undefined ? undefined : this.node(json.contains, `${where}/contains`);
    return {
      kind: 'array',
      allItems: all === undefined ? undefined : this.node(all, `${where}/items`),
      tupleItems: tuple?.map((s, i) => this.node(s, `${where}/items/${i}`)),
      permitsAdditionalItems: additional !== false,
      additionalItems:
        additional === undefined || typeof additional === 'boolean'
          ? undefined
          : this.node(additional, `${where}/additionalItems`),
      minItems: num(json.minItems),
      maxItems: num(json.maxItems),
      uniqueItems: json.uniqueItems === true,
      contains,
      minContains: this.dialect === '2020-12' && contains ? (num(json.minContains) ?? 1) : undefined,
      maxContains: this.dialect === '2020-12' && contains ? num(json.maxContains) : undefined,
      annotations: NO_ANNOTATIONS,
    };
  }

  private annotations(json: Json): Annotations {
    const id = this.dialect === 'draft-07' ? (json.$id ?? json.id) : undefined;
    return {
      id: typeof id === 'string' ? id : undefined,
      title: typeof json.title === 'string' ? json.title : undefined,
      description: typeof json.description === 'string' ? json.description : undefined,
      default: 'default' in json ? canonical(json.default) : undefined,
    };
  }
}

const NO_ANNOTATIONS: Annotations = {
  id: undefined,
  title: undefined,
  description: undefined,
  default: undefined,
};

function distinct(nodes: SchemaNode[], raws: unknown[]): SchemaNode[] {
  const seen = new Set<string>();
  return nodes.filter((_, i) => {
    const key = canonical(raws[i]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function record(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

function regex(pattern: string, where: string): RegExp {
  try {
    return new RegExp(pattern, 'u');
  } catch (cause) {
    throw new SchemaUnreadableError(
      `${where}/patternProperties: invalid pattern ${JSON.stringify(pattern)}`,
      { cause },
    );
  }
}
