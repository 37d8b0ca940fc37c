/**
 * Lake Formation row filter expressions: the PartiQL subset Lake Formation accepts in a data cells
 * filter, parsed into a small tree so the linter can check it against the table and local
 * enforcement can evaluate the same tree.
 *
 * What is accepted follows "PartiQL support in row filter expressions" (Lake Formation developer
 * guide, docs.aws.amazon.com/lake-formation/latest/dg/partiql-support.html): `<column> <op> <value>`
 * with `=, >, <, >=, <=, <>, !=, BETWEEN, IN, LIKE, NOT, IS [NOT] NULL`, combined with AND / OR and
 * parentheses; no functions (standard or user defined); columns are compared with constants, never
 * with other columns; `IS [NOT] NULL` not on partition columns; column types STRING, INT, LONG,
 * BIGINT, FLOAT, DECIMAL, DOUBLE, BOOLEAN (and STRUCT, which the catalog does not use). The API
 * reference (RowFilter.FilterExpression) limits the text to 2,048 characters.
 *
 * @example
 * ```ts
 * parseRowFilter("city_id IN ('nyc','sfo')");
 * // { kind: 'in', column: 'city_id', values: [{ type: 'string', value: 'nyc' }, …], negated: false }
 * ```
 */

export const ROW_FILTER_MAX_LENGTH = 2048;

export type RowFilterLiteral =
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'number'; readonly value: string }
  | { readonly type: 'boolean'; readonly value: boolean };

export type ComparisonOperator = '=' | '>' | '<' | '>=' | '<=' | '<>' | '!=';

export type RowFilterNode =
  | { readonly kind: 'true' }
  | { readonly kind: 'and' | 'or'; readonly left: RowFilterNode; readonly right: RowFilterNode }
  | { readonly kind: 'not'; readonly operand: RowFilterNode }
  | {
      readonly kind: 'compare';
      readonly column: string;
      readonly operator: ComparisonOperator;
      readonly value: RowFilterLiteral;
    }
  | {
      readonly kind: 'between';
      readonly column: string;
      readonly low: RowFilterLiteral;
      readonly high: RowFilterLiteral;
      readonly negated: boolean;
    }
  | {
      readonly kind: 'in';
      readonly column: string;
      readonly values: readonly RowFilterLiteral[];
      readonly negated: boolean;
    }
  | { readonly kind: 'like'; readonly column: string; readonly pattern: string; readonly negated: boolean }
  | { readonly kind: 'isNull'; readonly column: string; readonly negated: boolean };

/** Why a row filter falls outside Lake Formation's subset; `column` when one column is at fault. */
export class RowFilterSyntaxError extends Error {
  readonly column: string | undefined;
  constructor(message: string, column?: string) {
    super(message);
    this.name = 'RowFilterSyntaxError';
    this.column = column;
  }
}

type Token =
  | { readonly t: 'ident'; readonly v: string; readonly quoted: boolean }
  | { readonly t: 'string'; readonly v: string }
  | { readonly t: 'number'; readonly v: string }
  | { readonly t: 'op'; readonly v: string }
  | { readonly t: 'punct'; readonly v: '(' | ')' | ',' };

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'IN', 'BETWEEN', 'LIKE', 'IS', 'NULL', 'TRUE', 'FALSE']);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new RowFilterSyntaxError('unterminated string literal');
        const d = text.charAt(i);
        if (d === "'") {
          if (text.charAt(i + 1) === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += d;
        i++;
      }
      tokens.push({ t: 'string', v: value });
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) throw new RowFilterSyntaxError('unterminated quoted identifier');
      tokens.push({ t: 'ident', v: text.slice(i + 1, end), quoted: true });
      i = end + 1;
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(text.charAt(i + 1)))) {
      const m = /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?/.exec(text.slice(i));
      const v = m?.[0] ?? c;
      tokens.push({ t: 'number', v });
      i += v.length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(text.slice(i));
      const v = m?.[0] ?? c;
      tokens.push({ t: 'ident', v, quoted: false });
      i += v.length;
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ t: 'punct', v: c });
      i++;
    } else {
      const two = text.slice(i, i + 2);
      if (two === '>=' || two === '<=' || two === '<>' || two === '!=') {
        tokens.push({ t: 'op', v: two });
        i += 2;
      } else if (c === '=' || c === '<' || c === '>') {
        tokens.push({ t: 'op', v: c });
        i++;
      } else {
        throw new RowFilterSyntaxError(
          `unexpected character '${c}' (Lake Formation row filters allow no other operators)`,
        );
      }
    }
  }
  return tokens;
}

class Parser {
  private pos = 0;
  private readonly tokens: readonly Token[];
  constructor(tokens: readonly Token[]) {
    this.tokens = tokens;
  }

  parse(): RowFilterNode {
    const node = this.or();
    const rest = this.tokens[this.pos];
    if (rest !== undefined) throw new RowFilterSyntaxError(`unexpected '${rest.v}'`);
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private keyword(word: string): boolean {
    const t = this.peek();
    if (t?.t === 'ident' && !t.quoted && t.v.toUpperCase() === word) {
      this.pos++;
      return true;
    }
    return false;
  }

  private expectKeyword(word: string): void {
    if (!this.keyword(word)) throw new RowFilterSyntaxError(`expected ${word}`);
  }

  private punct(p: '(' | ')' | ','): boolean {
    const t = this.peek();
    if (t?.t === 'punct' && t.v === p) {
      this.pos++;
      return true;
    }
    return false;
  }

  private or(): RowFilterNode {
    let left = this.and();
    while (this.keyword('OR')) left = { kind: 'or', left, right: this.and() };
    return left;
  }

  private and(): RowFilterNode {
    let left = this.not();
    while (this.keyword('AND')) left = { kind: 'and', left, right: this.not() };
    return left;
  }

  private not(): RowFilterNode {
    if (this.keyword('NOT')) return { kind: 'not', operand: this.not() };
    return this.primary();
  }

  private primary(): RowFilterNode {
    if (this.punct('(')) {
      const inner = this.or();
      if (!this.punct(')')) throw new RowFilterSyntaxError("expected ')'");
      return inner;
    }
    if (this.keyword('TRUE')) return { kind: 'true' };
    const t = this.peek();
    if (t === undefined) throw new RowFilterSyntaxError('expression ends too early');
    if (t.t !== 'ident' || (!t.quoted && KEYWORDS.has(t.v.toUpperCase()))) {
      throw new RowFilterSyntaxError(`expected a column name, found '${t.v}'`);
    }
    this.pos++;
    const column = t.v;
    const next = this.peek();
    if (next?.t === 'punct' && next.v === '(') {
      throw new RowFilterSyntaxError(`function ${column}() is not allowed in a row filter`, column);
    }
    if (next?.t === 'op') {
      this.pos++;
      return { kind: 'compare', column, operator: next.v as ComparisonOperator, value: this.literal(column) };
    }
    if (this.keyword('IS')) {
      const negated = this.keyword('NOT');
      this.expectKeyword('NULL');
      return { kind: 'isNull', column, negated };
    }
    const negated = this.keyword('NOT');
    if (this.keyword('BETWEEN')) {
      const low = this.literal(column);
      this.expectKeyword('AND');
      return { kind: 'between', column, low, high: this.literal(column), negated };
    }
    if (this.keyword('IN')) {
      if (!this.punct('(')) throw new RowFilterSyntaxError("expected '(' after IN");
      const values = [this.literal(column)];
      while (this.punct(',')) values.push(this.literal(column));
      if (!this.punct(')')) throw new RowFilterSyntaxError("expected ')' to close IN");
      return { kind: 'in', column, values, negated };
    }
    if (this.keyword('LIKE')) {
      const p = this.literal(column);
      if (p.type !== 'string') throw new RowFilterSyntaxError('LIKE needs a string pattern', column);
      return { kind: 'like', column, pattern: p.value, negated };
    }
    throw new RowFilterSyntaxError(`expected an operator after ${column}`, column);
  }

  private literal(column: string): RowFilterLiteral {
    const t = this.peek();
    if (t === undefined) throw new RowFilterSyntaxError('expression ends too early');
    this.pos++;
    if (t.t === 'string') return { type: 'string', value: t.v };
    if (t.t === 'number') return { type: 'number', value: t.v };
    if (t.t === 'ident' && !t.quoted && (t.v.toUpperCase() === 'TRUE' || t.v.toUpperCase() === 'FALSE')) {
      return { type: 'boolean', value: t.v.toUpperCase() === 'TRUE' };
    }
    if (t.t === 'ident') {
      throw new RowFilterSyntaxError(
        `${column} is compared with ${t.v}: Lake Formation compares columns with constants only`,
        column,
      );
    }
    throw new RowFilterSyntaxError(`expected a constant, found '${t.v}'`, column);
  }
}

/** Parses a row filter; throws {@link RowFilterSyntaxError} when it leaves Lake Formation's subset. */
export function parseRowFilter(expression: string): RowFilterNode {
  if (expression.length > ROW_FILTER_MAX_LENGTH) {
    throw new RowFilterSyntaxError(
      `${expression.length} characters; Lake Formation allows at most ${ROW_FILTER_MAX_LENGTH}`,
    );
  }
  if (expression.trim() === '') throw new RowFilterSyntaxError('empty expression');
  return new Parser(tokenize(expression)).parse();
}

/** True for a filter that passes every row (`TRUE`, as Lake Formation's AllRowsWildcard). */
export function isAllRows(expression: string): boolean {
  return expression.trim().toUpperCase() === 'TRUE';
}

/** The columns a filter reads, in order of first use. */
export function rowFilterColumns(node: RowFilterNode): string[] {
  const out: string[] = [];
  const walk = (n: RowFilterNode): void => {
    switch (n.kind) {
      case 'true':
        return;
      case 'and':
      case 'or':
        walk(n.left);
        walk(n.right);
        return;
      case 'not':
        walk(n.operand);
        return;
      default:
        if (!out.includes(n.column)) out.push(n.column);
    }
  };
  walk(node);
  return out;
}

/** Every literal a column is compared with, for the type check. */
export function rowFilterComparisons(node: RowFilterNode): { column: string; literal: RowFilterLiteral }[] {
  const out: { column: string; literal: RowFilterLiteral }[] = [];
  const walk = (n: RowFilterNode): void => {
    switch (n.kind) {
      case 'true':
      case 'isNull':
        return;
      case 'and':
      case 'or':
        walk(n.left);
        walk(n.right);
        return;
      case 'not':
        walk(n.operand);
        return;
      case 'compare':
        out.push({ column: n.column, literal: n.value });
        return;
      case 'between':
        out.push({ column: n.column, literal: n.low }, { column: n.column, literal: n.high });
        return;
      case 'in':
        for (const literal of n.values) out.push({ column: n.column, literal });
        return;
      case 'like':
        out.push({ column: n.column, literal: { type: 'string', value: n.pattern } });
        return;
    }
  };
  walk(node);
  return out;
}
