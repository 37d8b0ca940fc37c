/**
 * A JSON number whose text cannot be held by a double without loss (e.g. `12345678901234567890`).
 * event-ruler matches such numbers by their text only, never numerically; so do we.
 */
export class JsonRawNumber {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toJSON(): number {
    return Number(this.text);
  }
}

/** Decimal digits and exponent of a number's text, trailing/leading zeros removed: `0.0300` → 3, -2. */
function decimalParts(text: string): { negative: boolean; digits: string; exponent: number } | undefined {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return undefined;
  const whole = m[2] ?? '';
  const frac = m[3] ?? '';
  let digits = whole + frac;
  let exponent = Number(m[4] ?? '0') - frac.length;
  const lead = digits.match(/^0*/)?.[0].length ?? 0;
  digits = digits.slice(lead);
  const trail = digits.match(/0*$/)?.[0].length ?? 0;
  digits = digits.slice(0, digits.length - trail);
  exponent += trail;
  if (digits === '') return { negative: false, digits: '0', exponent: 0 };
  return { negative: m[1] === '-', digits, exponent };
}

/**
 * True when the decimal `text` is exactly the double it parses to (event-ruler's ComparableNumber
 * accepts only those): `0.1` and `1e300` yes, `12345678901234567890` and `1e400` no.
 */
export function isExactDouble(text: string): boolean {
  const value = Number(text);
  if (!Number.isFinite(value)) return false;
  const a = decimalParts(text);
  const b = decimalParts(String(value));
  return (
    a !== undefined &&
    b !== undefined &&
    a.negative === b.negative &&
    a.digits === b.digits &&
    a.exponent === b.exponent
  );
}

type Reviver = (key: string, value: unknown, context?: { source?: string }) => unknown;

/**
 * `JSON.parse` that keeps the text of numbers a double cannot hold exactly, as {@link JsonRawNumber}.
 * Throws SyntaxError on invalid JSON.
 */
export function parseJsonLossless(text: string): unknown {
  const reviver: Reviver = (_key, value, context) => {
    if (typeof value === 'number' && context?.source !== undefined && !isExactDouble(context.source)) {
      return new JsonRawNumber(context.source);
    }
    return value;
  };
  return JSON.parse(text, reviver as (this: unknown, key: string, value: unknown) => unknown);
}
