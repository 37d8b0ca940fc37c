export {
  type CompiledPattern,
  compilePattern,
  isCompiledPattern,
  MAX_COMBINATIONS,
  MAX_WILDCARD_COMPLEXITY,
} from './compile.ts';
export { InvalidEventPatternError, InvalidTestEventError } from './errors.ts';
export { JsonRawNumber, parseJsonLossless } from './json.ts';
export { matchesPattern } from './match.ts';
export { RuleIndex } from './rule-index.ts';
export { testEventPattern } from './test-event-pattern.ts';
