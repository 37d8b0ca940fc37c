import { compilePattern } from './compile.ts';
import { InvalidEventPatternError, InvalidTestEventError } from './errors.ts';
import { parseJsonLossless } from './json.ts';
import { matchesPattern } from './match.ts';

const REQUIRED_EVENT_FIELDS = ['id', 'source', 'detail-type', 'account', 'region', 'time'] as const;

/**
 * The TestEventPattern API: does the event (JSON text) match the pattern (JSON text)? Numbers a
 * double cannot hold exactly keep their text and match by text only, as on AWS.
 *
 * @throws InvalidEventPatternError when the pattern is invalid (AWS: InvalidEventPatternException).
 * @throws InvalidTestEventError when the event is not a JSON object with id, source, detail-type,
 *   account, region and time (AWS: `ValidationException: Parameter Event is not valid`).
 * @example
 * testEventPattern('{"source":["my.app"]}', JSON.stringify({
 *   id: '1', source: 'my.app', 'detail-type': 'Ping', account: '123456789012',
 *   region: 'eu-west-1', time: '2026-01-01T00:00:00Z', detail: {},
 * })); // true
 */
export function testEventPattern(patternJson: string, eventJson: string): boolean {
  let pattern: unknown;
  try {
    pattern = parseJsonLossless(patternJson);
  } catch (e) {
    throw new InvalidEventPatternError('Filter is not valid JSON', { cause: e });
  }
  const compiled = compilePattern(pattern);
  let event: unknown;
  try {
    event = parseJsonLossless(eventJson);
  } catch (e) {
    throw new InvalidTestEventError(undefined, { cause: e });
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event)) throw new InvalidTestEventError();
  if (REQUIRED_EVENT_FIELDS.some((k) => !(k in event))) throw new InvalidTestEventError();
  return matchesPattern(compiled, event);
}
