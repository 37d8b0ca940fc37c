import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DeleteItemCommandInput,
  type DeleteItemCommandOutput,
  type GetItemCommandInput,
  type GetItemCommandOutput,
  type QueryCommandInput,
  type QueryCommandOutput,
  type UpdateItemCommandInput,
  type UpdateItemCommandOutput,
} from '@aws-sdk/client-dynamodb';

type Item = Record<string, AttributeValue>;
type Names = Record<string, string> | undefined;
type Values = Record<string, AttributeValue> | undefined;

/**
 * One DynamoDB table with a `pk`/`sk` string key, in memory, answering GetItem, UpdateItem,
 * DeleteItem and Query the way DynamoDB does for the expression subset lakeops uses
 * (comparisons, AND/OR, parentheses, `attribute_exists`, `attribute_not_exists`, `begins_with`,
 * `SET … = if_not_exists(…) + …`, `REMOVE`). Put it behind `aws-sdk-client-mock` so an adapter's
 * behaviour suite runs against real SDK commands; separate tests still assert the exact inputs.
 * An expression outside the subset, or an unused attribute name/value, throws as DynamoDB's
 * ValidationException would.
 */
export class FakeDynamoDbTable {
  private readonly items = new Map<string, Item>();

  private id(key: Item | undefined): string {
    return JSON.stringify([key?.pk?.S, key?.sk?.S]);
  }

  getItem(input: GetItemCommandInput): Partial<GetItemCommandOutput> {
    const item = this.items.get(this.id(input.Key));
    return item ? { Item: structuredClone(item) } : {};
  }

  updateItem(input: UpdateItemCommandInput): Partial<UpdateItemCommandOutput> {
    checkAllUsed(input);
    const id = this.id(input.Key);
    const old = this.items.get(id);
    if (input.ConditionExpression) {
      const ok = evaluate(
        input.ConditionExpression,
        old ?? {},
        input.ExpressionAttributeNames,
        input.ExpressionAttributeValues,
      );
      if (!ok)
        throw conditionFailed(input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? old : undefined);
    }
    const next: Item = { ...(old ?? {}), ...structuredClone(input.Key ?? {}) };
    applyUpdate(
      input.UpdateExpression ?? '',
      next,
      old ?? {},
      input.ExpressionAttributeNames,
      input.ExpressionAttributeValues,
    );
    this.items.set(id, next);
    return input.ReturnValues === 'ALL_NEW' ? { Attributes: structuredClone(next) } : {};
  }

  deleteItem(input: DeleteItemCommandInput): Partial<DeleteItemCommandOutput> {
    checkAllUsed(input);
    const id = this.id(input.Key);
    const old = this.items.get(id);
    if (input.ConditionExpression) {
      const ok = evaluate(
        input.ConditionExpression,
        old ?? {},
        input.ExpressionAttributeNames,
        input.ExpressionAttributeValues,
      );
      if (!ok)
        throw conditionFailed(input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? old : undefined);
    }
    this.items.delete(id);
    return {};
  }

  query(input: QueryCommandInput): Partial<QueryCommandOutput> {
    checkAllUsed(input);
    const names = input.ExpressionAttributeNames;
    const values = input.ExpressionAttributeValues;
    const start = input.ExclusiveStartKey?.sk?.S;
    const byteOrder = (a: Item, b: Item) =>
      Buffer.compare(Buffer.from(a.sk?.S ?? ''), Buffer.from(b.sk?.S ?? ''));
    const matching = [...this.items.values()]
      .filter((item) => evaluate(input.KeyConditionExpression ?? '', item, names, values))
      .sort(byteOrder)
      .filter(
        (item) =>
          start === undefined || Buffer.compare(Buffer.from(item.sk?.S ?? ''), Buffer.from(start)) > 0,
      );
    const evaluated = input.Limit === undefined ? matching : matching.slice(0, input.Limit);
    const returned = input.FilterExpression
      ? evaluated.filter((item) => evaluate(input.FilterExpression ?? '', item, names, values))
      : evaluated;
    const last = evaluated.at(-1);
    const stoppedByLimit = input.Limit !== undefined && evaluated.length === input.Limit && last;
    return {
      Items: returned.map((i) => structuredClone(i)),
      Count: returned.length,
      ScannedCount: evaluated.length,
      ...(stoppedByLimit
        ? {
            LastEvaluatedKey: {
              pk: structuredClone(last.pk ?? { S: '' }),
              sk: structuredClone(last.sk ?? { S: '' }),
            },
          }
        : {}),
    };
  }
}

function conditionFailed(item: Item | undefined): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: { httpStatusCode: 400 },
    ...(item ? { Item: structuredClone(item) } : {}),
  });
}

function validation(message: string): Error {
  const error = new Error(message);
  error.name = 'ValidationException';
  return error;
}

function checkAllUsed(input: {
  ExpressionAttributeNames?: Names;
  ExpressionAttributeValues?: Values;
  ConditionExpression?: string | undefined;
  UpdateExpression?: string | undefined;
  KeyConditionExpression?: string | undefined;
  FilterExpression?: string | undefined;
}): void {
  const text = [
    input.ConditionExpression,
    input.UpdateExpression,
    input.KeyConditionExpression,
    input.FilterExpression,
  ].join(' ');
  const used = new Set(text.match(/[#:][A-Za-z0-9_]+/g) ?? []);
  for (const token of [
    ...Object.keys(input.ExpressionAttributeNames ?? {}),
    ...Object.keys(input.ExpressionAttributeValues ?? {}),
  ]) {
    if (!used.has(token))
      throw validation(`Value provided in ExpressionAttribute* unused in expressions: ${token}`);
  }
  for (const token of used) {
    const known = token.startsWith('#')
      ? input.ExpressionAttributeNames?.[token]
      : input.ExpressionAttributeValues?.[token];
    if (known === undefined)
      throw validation(
        `An expression attribute name or value used in an expression is not defined: ${token}`,
      );
  }
}

function tokenize(expression: string): string[] {
  return expression.match(/<=|>=|<>|[()=<>,+]|[#:]?[A-Za-z_][A-Za-z0-9_]*/g) ?? [];
}

function resolve(token: string, item: Item, names: Names, values: Values): AttributeValue | undefined {
  if (token.startsWith(':')) return values?.[token];
  const name = token.startsWith('#') ? names?.[token] : token;
  return name === undefined ? undefined : item[name];
}

function compare(a: AttributeValue | undefined, op: string, b: AttributeValue | undefined): boolean {
  if (!a || !b) return false;
  let c: number;
  if (a.N !== undefined && b.N !== undefined) c = Number(a.N) - Number(b.N);
  else if (a.S !== undefined && b.S !== undefined) c = Buffer.compare(Buffer.from(a.S), Buffer.from(b.S));
  else return op === '<>';
  switch (op) {
    case '=':
      return c === 0;
    case '<>':
      return c !== 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
    default:
      throw validation(`unsupported comparator ${op}`);
  }
}

function evaluate(expression: string, item: Item, names: Names, values: Values): boolean {
  const tokens = tokenize(expression);
  let at = 0;
  const peek = () => tokens[at];
  const take = (expected?: string) => {
    const token = tokens[at++];
    if (token === undefined || (expected !== undefined && token !== expected)) {
      throw validation(`Invalid expression near '${token}' in: ${expression}`);
    }
    return token;
  };
  const orExpr = (): boolean => {
    let value = andExpr();
    while (peek()?.toUpperCase() === 'OR') {
      take();
      const right = andExpr();
      value = value || right;
    }
    return value;
  };
  const andExpr = (): boolean => {
    let value = primary();
    while (peek()?.toUpperCase() === 'AND') {
      take();
      const right = primary();
      value = value && right;
    }
    return value;
  };
  const primary = (): boolean => {
    const token = take();
    if (token === '(') {
      const value = orExpr();
      take(')');
      return value;
    }
    if (token === 'attribute_exists' || token === 'attribute_not_exists') {
      take('(');
      const present = resolve(take(), item, names, values) !== undefined;
      take(')');
      return token === 'attribute_exists' ? present : !present;
    }
    if (token === 'begins_with') {
      take('(');
      const a = resolve(take(), item, names, values);
      take(',');
      const b = resolve(take(), item, names, values);
      take(')');
      return a?.S !== undefined && b?.S !== undefined && a.S.startsWith(b.S);
    }
    const op = take();
    return compare(resolve(token, item, names, values), op, resolve(take(), item, names, values));
  };
  const out = orExpr();
  if (at !== tokens.length) throw validation(`Invalid expression: ${expression}`);
  return out;
}

function applyUpdate(expression: string, next: Item, old: Item, names: Names, values: Values): void {
  const tokens = tokenize(expression);
  let at = 0;
  let mode = '';
  const operand = (): AttributeValue => {
    const token = tokens[at++] ?? '';
    if (token === 'if_not_exists') {
      at++; // (
      const existing = resolve(tokens[at++] ?? '', old, names, values);
      at++; // ,
      const fallback = resolve(tokens[at++] ?? '', old, names, values);
      at++; // )
      const value = existing ?? fallback;
      if (!value) throw validation('if_not_exists without a value');
      return value;
    }
    const value = resolve(token, old, names, values);
    if (!value)
      throw validation(
        `The provided expression refers to an attribute that does not exist in the item: ${token}`,
      );
    return value;
  };
  while (at < tokens.length) {
    const token = tokens[at] ?? '';
    if (token === 'SET' || token === 'REMOVE') {
      mode = token;
      at++;
      continue;
    }
    if (token === ',') {
      at++;
      continue;
    }
    const name = token.startsWith('#') ? names?.[token] : token;
    if (!name) throw validation(`unknown name ${token}`);
    at++;
    if (mode === 'REMOVE') {
      delete next[name];
      continue;
    }
    if (tokens[at++] !== '=') throw validation(`Invalid UpdateExpression: ${expression}`);
    let value = operand();
    while (tokens[at] === '+') {
      at++;
      const right = operand();
      value = { N: String(Number(value.N) + Number(right.N)) };
    }
    next[name] = value;
  }
}
