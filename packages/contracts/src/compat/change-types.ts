/**
 * Every kind of difference the compatibility checker reports, with whether it breaks BACKWARD
 * compatibility (a consumer on the new schema reading data written with the old one). Names and
 * verdicts follow Confluent Schema Registry's JSON Schema rules (policy STRICT); `lenient` marks
 * the few that its LENIENT policy lets through. The conformance data is the reference.
 */
const table = {
  // annotations
  ID_CHANGED: [false, '$id changed'],
  TITLE_CHANGED: [false, 'title changed'],
  DESCRIPTION_CHANGED: [false, 'description changed'],
  DEFAULT_CHANGED: [false, 'default changed'],
  // whole schemas
  SCHEMA_ADDED: [true, 'a schema was added where there was none (old data may not match it)'],
  SCHEMA_REMOVED: [false, 'a schema was removed'],
  TYPE_CHANGED: [true, 'type changed'],
  TYPE_NARROWED: [true, 'type narrowed (number to integer)'],
  TYPE_EXTENDED: [false, 'type extended (integer to number)'],
  // strings
  MIN_LENGTH_ADDED: [true, 'minLength added'],
  MIN_LENGTH_INCREASED: [true, 'minLength increased'],
  MIN_LENGTH_DECREASED: [false, 'minLength decreased'],
  MIN_LENGTH_REMOVED: [false, 'minLength removed'],
  MAX_LENGTH_ADDED: [true, 'maxLength added'],
  MAX_LENGTH_INCREASED: [false, 'maxLength increased'],
  MAX_LENGTH_DECREASED: [true, 'maxLength decreased'],
  MAX_LENGTH_REMOVED: [false, 'maxLength removed'],
  PATTERN_ADDED: [true, 'pattern added'],
  PATTERN_CHANGED: [true, 'pattern changed'],
  PATTERN_REMOVED: [false, 'pattern removed'],
  // numbers
  MAXIMUM_ADDED: [true, 'maximum added'],
  MAXIMUM_INCREASED: [false, 'maximum increased'],
  MAXIMUM_DECREASED: [true, 'maximum decreased'],
  MAXIMUM_REMOVED: [false, 'maximum removed'],
  MINIMUM_ADDED: [true, 'minimum added'],
  MINIMUM_INCREASED: [true, 'minimum increased'],
  MINIMUM_DECREASED: [false, 'minimum decreased'],
  MINIMUM_REMOVED: [false, 'minimum removed'],
  EXCLUSIVE_MAXIMUM_ADDED: [true, 'exclusiveMaximum added'],
  EXCLUSIVE_MAXIMUM_INCREASED: [false, 'exclusiveMaximum increased'],
  EXCLUSIVE_MAXIMUM_DECREASED: [true, 'exclusiveMaximum decreased'],
  EXCLUSIVE_MAXIMUM_REMOVED: [false, 'exclusiveMaximum removed'],
  EXCLUSIVE_MINIMUM_ADDED: [true, 'exclusiveMinimum added'],
  EXCLUSIVE_MINIMUM_INCREASED: [true, 'exclusiveMinimum increased'],
  EXCLUSIVE_MINIMUM_DECREASED: [false, 'exclusiveMinimum decreased'],
  EXCLUSIVE_MINIMUM_REMOVED: [false, 'exclusiveMinimum removed'],
  MULTIPLE_OF_ADDED: [true, 'multipleOf added'],
  MULTIPLE_OF_REDUCED: [false, 'multipleOf reduced to a divisor'],
  MULTIPLE_OF_EXPANDED: [true, 'multipleOf expanded to a multiple'],
  MULTIPLE_OF_CHANGED: [true, 'multipleOf changed'],
  MULTIPLE_OF_REMOVED: [false, 'multipleOf removed'],
  // enum and const
  ENUM_ARRAY_EXTENDED: [false, 'allowed values extended'],
  ENUM_ARRAY_NARROWED: [true, 'allowed values narrowed'],
  ENUM_ARRAY_CHANGED: [true, 'allowed values changed'],
  // combinations
  COMBINED_TYPE_EXTENDED: [false, 'combination loosened (to anyOf)'],
  COMBINED_TYPE_CHANGED: [true, 'combination changed'],
  COMBINED_TYPE_SUBSCHEMAS_CHANGED: [true, 'a subschema of the combination changed incompatibly'],
  PRODUCT_TYPE_EXTENDED: [true, 'allOf gained a subschema'],
  PRODUCT_TYPE_NARROWED: [false, 'allOf lost a subschema'],
  SUM_TYPE_EXTENDED: [false, 'more alternatives (oneOf/anyOf/type list)'],
  SUM_TYPE_NARROWED: [true, 'fewer alternatives (oneOf/anyOf/type list)'],
  NOT_TYPE_EXTENDED: [true, 'not excludes more'],
  NOT_TYPE_NARROWED: [false, 'not excludes less'],
  // objects
  REQUIRED_ATTRIBUTE_ADDED: [true, 'an existing property became required'],
  REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED: [false, 'an existing property with a default became required'],
  REQUIRED_ATTRIBUTE_REMOVED: [false, 'a property is no longer required'],
  DEPENDENCY_ARRAY_ADDED: [true, 'dependency added'],
  DEPENDENCY_ARRAY_EXTENDED: [true, 'dependency extended'],
  DEPENDENCY_ARRAY_NARROWED: [false, 'dependency narrowed'],
  DEPENDENCY_ARRAY_CHANGED: [true, 'dependency changed'],
  DEPENDENCY_ARRAY_REMOVED: [false, 'dependency removed'],
  DEPENDENCY_SCHEMA_ADDED: [true, 'dependent schema added'],
  DEPENDENCY_SCHEMA_REMOVED: [false, 'dependent schema removed'],
  MAX_PROPERTIES_ADDED: [true, 'maxProperties added'],
  MAX_PROPERTIES_INCREASED: [false, 'maxProperties increased'],
  MAX_PROPERTIES_DECREASED: [true, 'maxProperties decreased'],
  MAX_PROPERTIES_REMOVED: [false, 'maxProperties removed'],
  MIN_PROPERTIES_ADDED: [true, 'minProperties added'],
  MIN_PROPERTIES_INCREASED: [true, 'minProperties increased'],
  MIN_PROPERTIES_DECREASED: [false, 'minProperties decreased'],
  MIN_PROPERTIES_REMOVED: [false, 'minProperties removed'],
  ADDITIONAL_PROPERTIES_ADDED: [false, 'additional properties now allowed'],
  ADDITIONAL_PROPERTIES_REMOVED: [true, 'additional properties no longer allowed', 'lenient'],
  ADDITIONAL_PROPERTIES_NARROWED: [true, 'additional properties constrained', 'lenient'],
  ADDITIONAL_PROPERTIES_EXTENDED: [false, 'additional properties unconstrained'],
  PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL: [
    false,
    'property with an empty schema added to an open object',
  ],
  OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL: [
    true,
    'property added to an open object (old data may hold anything under that name)',
    'lenient',
  ],
  OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL: [false, 'optional property added to a closed object'],
  REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL: [true, 'required property added (old data lacks it)'],
  REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL: [
    false,
    'required property with a default added',
  ],
  PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL: [false, 'property removed from an open object'],
  PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL: [
    true,
    'property removed from a closed object (old data has it)',
  ],
  PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL: [
    false,
    'forbidden property removed from a closed object',
  ],
  PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: [
    false,
    'property added, covered by the old additional/pattern properties',
  ],
  PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: [
    true,
    'property added, not covered by the old additional/pattern properties',
  ],
  PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: [
    false,
    'property removed, covered by the new additional/pattern properties',
  ],
  PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: [
    true,
    'property removed, not covered by the new additional/pattern properties',
  ],
  // arrays
  MAX_ITEMS_ADDED: [true, 'maxItems added'],
  MAX_ITEMS_INCREASED: [false, 'maxItems increased'],
  MAX_ITEMS_DECREASED: [true, 'maxItems decreased'],
  MAX_ITEMS_REMOVED: [false, 'maxItems removed'],
  MIN_ITEMS_ADDED: [true, 'minItems added'],
  MIN_ITEMS_INCREASED: [true, 'minItems increased'],
  MIN_ITEMS_DECREASED: [false, 'minItems decreased'],
  MIN_ITEMS_REMOVED: [false, 'minItems removed'],
  UNIQUE_ITEMS_ADDED: [true, 'uniqueItems added'],
  UNIQUE_ITEMS_REMOVED: [false, 'uniqueItems removed'],
  MIN_CONTAINS_INCREASED: [true, 'minContains increased'],
  MIN_CONTAINS_DECREASED: [false, 'minContains decreased'],
  MAX_CONTAINS_ADDED: [true, 'maxContains added'],
  MAX_CONTAINS_INCREASED: [false, 'maxContains increased'],
  MAX_CONTAINS_DECREASED: [true, 'maxContains decreased'],
  MAX_CONTAINS_REMOVED: [false, 'maxContains removed'],
  ADDITIONAL_ITEMS_ADDED: [false, 'additional items now allowed'],
  ADDITIONAL_ITEMS_REMOVED: [true, 'additional items no longer allowed'],
  ADDITIONAL_ITEMS_NARROWED: [true, 'additional items constrained'],
  ADDITIONAL_ITEMS_EXTENDED: [false, 'additional items unconstrained'],
  ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL: [
    false,
    'tuple item with an empty schema added to an open array',
  ],
  ITEM_ADDED_TO_OPEN_CONTENT_MODEL: [true, 'tuple item added to an open array'],
  ITEM_ADDED_TO_CLOSED_CONTENT_MODEL: [false, 'tuple item added to a closed array'],
  ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL: [false, 'tuple item removed from an open array'],
  ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL: [true, 'tuple item removed from a closed array'],
  ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL: [
    false,
    'forbidden tuple item removed from a closed array',
  ],
  ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: [
    false,
    'tuple item added, covered by the old additional items',
  ],
  ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: [
    true,
    'tuple item added, not covered by the old additional items',
  ],
  ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: [
    false,
    'tuple item removed, covered by the new additional items',
  ],
  ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: [
    true,
    'tuple item removed, not covered by the new additional items',
  ],
} as const satisfies Record<string, readonly [boolean, string] | readonly [true, string, 'lenient']>;

/** A kind of schema difference. */
export type ChangeType = keyof typeof table;

/** STRICT (Confluent's default) or LENIENT (also lets open-model additions and closing through). */
export type CompatibilityPolicy = 'strict' | 'lenient';

/** Whether a difference breaks BACKWARD compatibility under a policy. */
export function isBreaking(type: ChangeType, policy: CompatibilityPolicy = 'strict'): boolean {
  const [breaking, , lenient] = table[type] as readonly [boolean, string, 'lenient'?];
  return breaking && !(policy === 'lenient' && lenient === 'lenient');
}

/** A short sentence saying what the difference is. */
export function describeChange(type: ChangeType): string {
  return table[type][1];
}

/** Every change type, for documentation and tests. */
export const changeTypes = Object.keys(table) as ChangeType[];
