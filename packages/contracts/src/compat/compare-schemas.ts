import { escapePointerToken } from '../json-pointer.ts';
import { type ChangeType, type CompatibilityPolicy, isBreaking } from './change-types.ts';
import type { ArrayNode, CombinedNode, Criterion, ObjectNode, SchemaNode } from './schema-model.ts';

/** One difference between two schemas: what, where (a JSON pointer into the schema), and whether it breaks. */
export interface SchemaChange {
  readonly type: ChangeType;
  readonly pointer: string;
  readonly breaking: boolean;
}

/**
 * Collects differences at a path. `at` goes deeper and writes to the same list; `sub` tries a
 * comparison on the side (to pair subschemas, or to see whether a property is covered), and its
 * changes count only if they are merged with `addAll`.
 */
class Context {
  readonly changes: SchemaChange[];
  private readonly path: readonly string[];
  private readonly policy: CompatibilityPolicy;
  private readonly active: Set<SchemaNode>;

  constructor(
    policy: CompatibilityPolicy,
    path: readonly string[] = [],
    changes: SchemaChange[] = [],
    active = new Set<SchemaNode>(),
  ) {
    this.policy = policy;
    this.path = path;
    this.changes = changes;
    this.active = active;
  }

  add(type: ChangeType, ...tokens: string[]): void {
    const pointer = [...this.path, ...tokens.map(escapePointerToken)].map((t) => `/${t}`).join('');
    this.changes.push({ type, pointer, breaking: isBreaking(type, this.policy) });
  }

  addAll(other: Context): void {
    this.changes.push(...other.changes);
  }

  at(...tokens: string[]): Context {
    return new Context(
      this.policy,
      [...this.path, ...tokens.map(escapePointerToken)],
      this.changes,
      this.active,
    );
  }

  sub(): Context {
    return new Context(this.policy, this.path, [], this.active);
  }

  get compatible(): boolean {
    return this.changes.every((c) => !c.breaking);
  }

  /** Guards against endless recursion through recursive `$ref`s. */
  enter(node: SchemaNode): boolean {
    if (this.active.has(node)) return false;
    this.active.add(node);
    return true;
  }

  leave(node: SchemaNode): void {
    this.active.delete(node);
  }
}

/** Compares `original` with `update` and returns every difference, in BACKWARD terms. */
export function compareSchemas(
  original: SchemaNode,
  update: SchemaNode,
  policy: CompatibilityPolicy = 'strict',
): SchemaChange[] {
  const ctx = new Context(policy);
  compare(ctx, original, update);
  return ctx.changes;
}

function within(ctx: Context, tokens: string[], run: (child: Context) => void): void {
  run(ctx.at(...tokens));
}

function compare(ctx: Context, original: SchemaNode | undefined, update: SchemaNode | undefined): void {
  if (!original && !update) return;
  if (!original) {
    ctx.add('SCHEMA_ADDED');
    return;
  }
  if (!update) {
    ctx.add('SCHEMA_REMOVED');
    return;
  }

  if (original.kind !== 'combined' && update.kind === 'combined') {
    // A value of the old schema may be read by one alternative of the new one.
    if (update.subschemas.length === 1 || update.criterion !== 'allOf') {
      for (const candidate of update.subschemas) {
        const sub = ctx.sub();
        compare(sub, original, candidate);
        if (sub.compatible) {
          ctx.addAll(sub);
          if (update.subschemas.length > 1) ctx.add('SUM_TYPE_EXTENDED');
          return;
        }
      }
    }
  } else if (original.kind === 'combined' && update.kind !== 'combined') {
    // Dropping conditions from an allOf only loosens it.
    if (original.subschemas.length === 1 || original.criterion === 'allOf') {
      for (const candidate of original.subschemas) {
        const sub = ctx.sub();
        compare(sub, candidate, update);
        if (sub.compatible) {
          ctx.addAll(sub);
          if (original.subschemas.length > 1) ctx.add('PRODUCT_TYPE_NARROWED');
          return;
        }
      }
    }
  }

  if (original.kind !== update.kind) {
    // Anything reads what `false` allowed (nothing); the empty schema reads everything.
    if (original.kind === 'false' || update.kind === 'empty') return;
    ctx.add('TYPE_CHANGED');
    return;
  }

  if (!ctx.enter(original)) return;
  const a = original.annotations;
  const b = update.annotations;
  if (a.id !== b.id) ctx.add('ID_CHANGED');
  if (a.title !== b.title) ctx.add('TITLE_CHANGED');
  if (a.description !== b.description) ctx.add('DESCRIPTION_CHANGED');
  if (a.default !== b.default) ctx.add('DEFAULT_CHANGED');

  switch (original.kind) {
    case 'string': {
      const u = update as typeof original;
      limit(ctx, 'minLength', original.minLength, u.minLength, 'MIN_LENGTH');
      limit(ctx, 'maxLength', original.maxLength, u.maxLength, 'MAX_LENGTH');
      if (original.pattern !== u.pattern) {
        if (original.pattern === undefined) ctx.add('PATTERN_ADDED', 'pattern');
        else if (u.pattern === undefined) ctx.add('PATTERN_REMOVED', 'pattern');
        else ctx.add('PATTERN_CHANGED', 'pattern');
      }
      break;
    }
    case 'number': {
      const u = update as typeof original;
      if (original.integer !== u.integer) ctx.add(original.integer ? 'TYPE_EXTENDED' : 'TYPE_NARROWED');
      limit(ctx, 'maximum', original.maximum, u.maximum, 'MAXIMUM');
      limit(ctx, 'minimum', original.minimum, u.minimum, 'MINIMUM');
      limit(ctx, 'exclusiveMaximum', original.exclusiveMaximum, u.exclusiveMaximum, 'EXCLUSIVE_MAXIMUM');
      limit(ctx, 'exclusiveMinimum', original.exclusiveMinimum, u.exclusiveMinimum, 'EXCLUSIVE_MINIMUM');
      multipleOf(ctx, original.multipleOf, u.multipleOf);
      break;
    }
    case 'enum': {
      const u = update as typeof original;
      const before = new Set(original.values);
      const after = new Set(u.values);
      const extended = [...before].every((v) => after.has(v));
      const narrowed = [...after].every((v) => before.has(v));
      if (!(extended && narrowed)) {
        ctx.add(
          extended ? 'ENUM_ARRAY_EXTENDED' : narrowed ? 'ENUM_ARRAY_NARROWED' : 'ENUM_ARRAY_CHANGED',
          'enum',
        );
      }
      break;
    }
    case 'const':
      if (original.value !== (update as typeof original).value) ctx.add('ENUM_ARRAY_CHANGED', 'const');
      break;
    case 'not': {
      // `not A` → `not B` reads the old data when B accepts less than A: compare the other way round.
      const sub = ctx.sub();
      compare(sub, (update as typeof original).schema, original.schema);
      if (sub.changes.length > 0) ctx.add(sub.compatible ? 'NOT_TYPE_NARROWED' : 'NOT_TYPE_EXTENDED', 'not');
      break;
    }
    case 'combined':
      compareCombined(ctx, original, update as CombinedNode);
      break;
    case 'object':
      compareObjects(ctx, original, update as ObjectNode);
      break;
    case 'array':
      compareArrays(ctx, original, update as ArrayNode);
      break;
    default:
      break; // empty, false, boolean, null: nothing more to compare
  }
  ctx.leave(original);
}

type LimitPrefix =
  | 'MIN_LENGTH'
  | 'MAX_LENGTH'
  | 'MAXIMUM'
  | 'MINIMUM'
  | 'EXCLUSIVE_MAXIMUM'
  | 'EXCLUSIVE_MINIMUM'
  | 'MAX_PROPERTIES'
  | 'MIN_PROPERTIES'
  | 'MAX_ITEMS'
  | 'MIN_ITEMS';

/** A bound added, removed, raised or lowered; whether that breaks is in the change-type table. */
function limit(
  ctx: Context,
  keyword: string,
  before: number | undefined,
  after: number | undefined,
  prefix: LimitPrefix,
): void {
  if (before === after) return;
  let change: string;
  if (before === undefined) change = 'ADDED';
  else if (after === undefined) change = 'REMOVED';
  else if (after > before) change = 'INCREASED';
  else change = 'DECREASED';
  ctx.add(`${prefix}_${change}` as ChangeType, keyword);
}

function multipleOf(ctx: Context, before: number | undefined, after: number | undefined): void {
  if (before === after) return;
  if (before === undefined) {
    ctx.add('MULTIPLE_OF_ADDED', 'multipleOf');
    return;
  }
  if (after === undefined) {
    ctx.add('MULTIPLE_OF_REMOVED', 'multipleOf');
    return;
  }
  if (isMultiple(before, after)) {
    ctx.add('MULTIPLE_OF_REDUCED', 'multipleOf');
    return;
  }
  if (isMultiple(after, before)) {
    ctx.add('MULTIPLE_OF_EXPANDED', 'multipleOf');
    return;
  }
  ctx.add('MULTIPLE_OF_CHANGED', 'multipleOf');
}

function isMultiple(value: number, of: number): boolean {
  const ratio = value / of;
  return Math.abs(ratio - Math.round(ratio)) < 1e-9;
}

function compareCombined(ctx: Context, original: CombinedNode, update: CombinedNode): void {
  const criteria = criteriaChange(original, update);
  if (criteria === 'COMBINED_TYPE_CHANGED') {
    ctx.add(criteria);
    return;
  }
  if (criteria) ctx.add(criteria);
  const before = original.subschemas;
  const after = update.subschemas;
  if (before.length < after.length)
    ctx.add(update.criterion === 'allOf' ? 'PRODUCT_TYPE_EXTENDED' : 'SUM_TYPE_EXTENDED');
  else if (before.length > after.length) {
    ctx.add(original.criterion === 'allOf' ? 'PRODUCT_TYPE_NARROWED' : 'SUM_TYPE_NARROWED');
  }
  const pairs = pairSubschemas(ctx, before, after);
  if (pairs.size < Math.min(before.length, after.length)) {
    ctx.add('COMBINED_TYPE_SUBSCHEMAS_CHANGED');
    return;
  }
  for (const [i, j] of [...pairs].sort(([x], [y]) => x - y)) {
    within(ctx, [original.criterion, String(i)], (child) => compare(child, before[i], after[j]));
  }
}

function criteriaChange(original: CombinedNode, update: CombinedNode): ChangeType | undefined {
  if (original.criterion === update.criterion) return undefined;
  const single = (n: CombinedNode) => n.subschemas.length === 1;
  const loosened: Record<Criterion, boolean> = {
    anyOf: true, // anything to anyOf accepts at least as much
    oneOf: original.criterion === 'allOf' || single(original),
    allOf: single(original) && single(update),
  };
  return loosened[update.criterion] ? 'COMBINED_TYPE_EXTENDED' : 'COMBINED_TYPE_CHANGED';
}

/**
 * Pairs each old subschema with a new one it is compatible with, as many as possible: a maximum
 * bipartite matching by augmenting paths, trying partners with no difference at all first.
 * Returns old index → new index.
 */
function pairSubschemas(
  ctx: Context,
  before: readonly SchemaNode[],
  after: readonly SchemaNode[],
): Map<number, number> {
  const fits = before.map((o) =>
    after.map((u) => {
      const sub = ctx.sub();
      compare(sub, o, u);
      return { compatible: sub.compatible, same: sub.changes.length === 0 };
    }),
  );
  const owner = new Map<number, number>(); // new index → old index
  const tryAssign = (i: number, seen: Set<number>): boolean => {
    const row = fits[i] ?? [];
    const order = [...row.keys()].sort((x, y) => Number(row[y]?.same) - Number(row[x]?.same));
    for (const j of order) {
      if (!row[j]?.compatible || seen.has(j)) continue;
      seen.add(j);
      const current = owner.get(j);
      if (current === undefined || tryAssign(current, seen)) {
        owner.set(j, i);
        return true;
      }
    }
    return false;
  };
  before.forEach((_, i) => {
    tryAssign(i, new Set());
  });
  return new Map([...owner].map(([j, i]) => [i, j]));
}

function isOpenObject(node: ObjectNode): boolean {
  return (
    node.permitsAdditionalProperties && !node.additionalProperties && node.patternProperties.length === 0
  );
}

/** The schema a partially open object gives a property it does not name, if any. */
function coveringSchema(node: ObjectNode, name: string): SchemaNode | undefined {
  for (const [pattern, schema] of node.patternProperties) if (pattern.test(name)) return schema;
  return node.additionalProperties;
}

function compareObjects(ctx: Context, original: ObjectNode, update: ObjectNode): void {
  const names = new Set([...original.properties.keys(), ...update.properties.keys()]);
  for (const name of names) {
    within(ctx, ['properties', name], (at) => {
      const before = original.properties.get(name);
      const after = update.properties.get(name);
      if (before && after) return compare(at, before, after);
      if (before) {
        // removed: can the new schema still read old data that has it?
        if (isOpenObject(update)) return at.add('PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL');
        const covering = coveringSchema(update, name);
        if (covering) {
          const sub = at.sub();
          compare(sub, before, covering);
          at.addAll(sub);
          return at.add(
            sub.compatible
              ? 'PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL'
              : 'PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
          );
        }
        return at.add(
          before.kind === 'false'
            ? 'PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL'
            : 'PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL',
        );
      }
      if (!after) return;
      // added: old data may hold anything under this name if the old object was open.
      if (isOpenObject(original)) {
        return at.add(
          after.kind === 'empty'
            ? 'PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL'
            : 'OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL',
        );
      }
      const covering = coveringSchema(original, name);
      if (covering) {
        const sub = at.sub();
        compare(sub, covering, after);
        at.addAll(sub);
        at.add(
          sub.compatible
            ? 'PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL'
            : 'PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
        );
      }
      if (!update.required.includes(name)) return at.add('OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL');
      at.add(
        after.annotations.default !== undefined
          ? 'REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL'
          : 'REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL',
      );
    });
  }

  for (const name of new Set([...original.required, ...update.required])) {
    const was = original.required.includes(name);
    const is = update.required.includes(name);
    if (was && !is) ctx.add('REQUIRED_ATTRIBUTE_REMOVED', 'required', name);
    // A newly required property that is new too was judged above, with the properties.
    if (!was && is && original.properties.has(name)) {
      const withDefault = update.properties.get(name)?.annotations.default !== undefined;
      ctx.add(
        withDefault ? 'REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED' : 'REQUIRED_ATTRIBUTE_ADDED',
        'required',
        name,
      );
    }
  }

  for (const name of new Set([...original.dependencyArrays.keys(), ...update.dependencyArrays.keys()])) {
    const before = original.dependencyArrays.get(name);
    const after = update.dependencyArrays.get(name);
    const token = name;
    if (!before) ctx.add('DEPENDENCY_ARRAY_ADDED', 'dependencies', token);
    else if (!after) ctx.add('DEPENDENCY_ARRAY_REMOVED', 'dependencies', token);
    else {
      const extended = before.every((d) => after.includes(d));
      const narrowed = after.every((d) => before.includes(d));
      if (!(extended && narrowed)) {
        ctx.add(
          extended
            ? 'DEPENDENCY_ARRAY_EXTENDED'
            : narrowed
              ? 'DEPENDENCY_ARRAY_NARROWED'
              : 'DEPENDENCY_ARRAY_CHANGED',
          'dependencies',
          token,
        );
      }
    }
  }
  for (const name of new Set([...original.dependencySchemas.keys(), ...update.dependencySchemas.keys()])) {
    const before = original.dependencySchemas.get(name);
    const after = update.dependencySchemas.get(name);
    const token = name;
    if (!before) ctx.add('DEPENDENCY_SCHEMA_ADDED', 'dependencies', token);
    else if (!after) ctx.add('DEPENDENCY_SCHEMA_REMOVED', 'dependencies', token);
    else within(ctx, ['dependencies', name], (at) => compare(at, before, after));
  }

  limit(ctx, 'maxProperties', original.maxProperties, update.maxProperties, 'MAX_PROPERTIES');
  limit(ctx, 'minProperties', original.minProperties, update.minProperties, 'MIN_PROPERTIES');

  if (original.permitsAdditionalProperties !== update.permitsAdditionalProperties) {
    ctx.add(
      original.permitsAdditionalProperties ? 'ADDITIONAL_PROPERTIES_REMOVED' : 'ADDITIONAL_PROPERTIES_ADDED',
      'additionalProperties',
    );
  } else if (!original.additionalProperties && update.additionalProperties) {
    ctx.add('ADDITIONAL_PROPERTIES_NARROWED', 'additionalProperties');
  } else if (original.additionalProperties && !update.additionalProperties) {
    ctx.add('ADDITIONAL_PROPERTIES_EXTENDED', 'additionalProperties');
  } else if (original.additionalProperties && update.additionalProperties) {
    const [before, after] = [original.additionalProperties, update.additionalProperties];
    within(ctx, ['additionalProperties'], (at) => compare(at, before, after));
  }
}

function isOpenArray(node: ArrayNode): boolean {
  return node.permitsAdditionalItems && !node.additionalItems;
}

function compareArrays(ctx: Context, original: ArrayNode, update: ArrayNode): void {
  limit(ctx, 'maxItems', original.maxItems, update.maxItems, 'MAX_ITEMS');
  limit(ctx, 'minItems', original.minItems, update.minItems, 'MIN_ITEMS');
  if (original.uniqueItems !== update.uniqueItems) {
    ctx.add(original.uniqueItems ? 'UNIQUE_ITEMS_REMOVED' : 'UNIQUE_ITEMS_ADDED', 'uniqueItems');
  }
  if (original.minContains !== undefined && update.minContains !== undefined) {
    if (update.minContains > original.minContains) ctx.add('MIN_CONTAINS_INCREASED', 'minContains');
    if (update.minContains < original.minContains) ctx.add('MIN_CONTAINS_DECREASED', 'minContains');
  }
  if (original.maxContains !== update.maxContains && original.contains && update.contains) {
    limitContains(ctx, original.maxContains, update.maxContains);
  }

  if (original.permitsAdditionalItems !== update.permitsAdditionalItems) {
    ctx.add(
      original.permitsAdditionalItems ? 'ADDITIONAL_ITEMS_REMOVED' : 'ADDITIONAL_ITEMS_ADDED',
      'additionalItems',
    );
  } else if (!original.additionalItems && update.additionalItems) {
    ctx.add('ADDITIONAL_ITEMS_NARROWED', 'additionalItems');
  } else if (original.additionalItems && !update.additionalItems) {
    ctx.add('ADDITIONAL_ITEMS_EXTENDED', 'additionalItems');
  } else if (original.additionalItems && update.additionalItems) {
    const [before, after] = [original.additionalItems, update.additionalItems];
    within(ctx, ['additionalItems'], (at) => compare(at, before, after));
  }

  within(ctx, ['items'], (at) => compare(at, original.allItems, update.allItems));
  within(ctx, ['contains'], (at) => compare(at, original.contains, update.contains));

  const before = original.tupleItems ?? [];
  const after = update.tupleItems ?? [];
  for (let i = 0; i < Math.max(before.length, after.length); i++) {
    const [o, u] = [before[i], after[i]];
    within(ctx, ['items', String(i)], (at) => {
      if (o && u) return compare(at, o, u);
      if (o) {
        if (isOpenArray(update)) return at.add('ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL');
        if (update.additionalItems) {
          const sub = at.sub();
          compare(sub, o, update.additionalItems);
          at.addAll(sub);
          return at.add(
            sub.compatible
              ? 'ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL'
              : 'ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
          );
        }
        return at.add(
          o.kind === 'false'
            ? 'ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL'
            : 'ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL',
        );
      }
      if (!u) return;
      if (isOpenArray(original)) {
        return at.add(
          u.kind === 'empty'
            ? 'ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL'
            : 'ITEM_ADDED_TO_OPEN_CONTENT_MODEL',
        );
      }
      if (original.additionalItems) {
        const sub = at.sub();
        compare(sub, original.additionalItems, u);
        at.addAll(sub);
        return at.add(
          sub.compatible
            ? 'ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL'
            : 'ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
        );
      }
      at.add('ITEM_ADDED_TO_CLOSED_CONTENT_MODEL');
    });
  }
}

function limitContains(ctx: Context, before: number | undefined, after: number | undefined): void {
  if (before === undefined) ctx.add('MAX_CONTAINS_ADDED', 'maxContains');
  else if (after === undefined) ctx.add('MAX_CONTAINS_REMOVED', 'maxContains');
  else ctx.add(after > before ? 'MAX_CONTAINS_INCREASED' : 'MAX_CONTAINS_DECREASED', 'maxContains');
}
