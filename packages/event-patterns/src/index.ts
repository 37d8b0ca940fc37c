export { type CompiledPattern, compilePattern, MAX_COMBINATIONS } from './compile.ts';
export { InvalidEventPatternError, InvalidTestEventError } from './errors.ts';
export { JsonRawNumber, parseJsonLossless } from './json.ts';
export { matchesPattern } from './match.ts';
export { testEventPattern } from './test-event-pattern.ts';
