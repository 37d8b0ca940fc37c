import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  type Clock,
  StateConditionFailedError,
  type StateItem,
  StateItemTooLargeError,
  type StateKey,
  type StatePage,
  type StatePutOptions,
  type StateQuery,
  type StateStore,
  type StateValue,
  stateItemBytes,
  stateItemMaxBytes,
  systemClock,
} from '@lakeops/core';
import { awsFailure } from './aws-errors.ts';

type Item = Record<string, AttributeValue>;

/** Expressions used by the adapter, named once (tests assert them verbatim). */
export const stateExpressions = {
  live: '(attribute_not_exists(#expiresAt) OR #expiresAt > :now)',
  absent: 'attribute_not_exists(#pk) OR #expiresAt <= :now',
  version: '#version = :version AND (attribute_not_exists(#expiresAt) OR #expiresAt > :now)',
  keyPrefix: '#pk = :pk AND begins_with(#sk, :prefix)',
  key: '#pk = :pk',
} as const;

const encodeCursor = (key: StateKey) =>
  Buffer.from(JSON.stringify({ pk: key.pk, sk: key.sk })).toString('base64url');
const decodeCursor = (cursor: string) => JSON.parse(Buffer.from(cursor, 'base64url').toString()) as StateKey;

/**
 * The state store on DynamoDB: the SST table `State` (`pk`/`sk` strings, TTL attribute
 * `expiresAt` in epoch seconds). The value is one JSON string attribute `data`; `version` is a
 * number set by the same `UpdateItem` that writes the value, so a conditional write and its
 * version bump are one atomic request. Reads are strongly consistent; expired items (which TTL
 * deletes only within days) are filtered on every read and treated as absent in every condition.
 *
 * @example
 * ```ts
 * const state = new DynamoDbStateStore({ client: new DynamoDBClient({}), tableName: Resource.State.name });
 * ```
 */
export class DynamoDbStateStore implements StateStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #clock: Clock;
  constructor(options: { client: DynamoDBClient; tableName: string; clock?: Clock }) {
    this.#client = options.client;
    this.#table = options.tableName;
    this.#clock = options.clock ?? systemClock;
  }

  #now(): string {
    return String(Math.floor(this.#clock.now().getTime() / 1000));
  }

  #live(item: Item | undefined): StateItem | undefined {
    if (!item) return undefined;
    const parsed = itemOf(item);
    return parsed.expiresAt !== undefined && parsed.expiresAt <= Number(this.#now()) ? undefined : parsed;
  }

  async get(key: StateKey): Promise<StateItem | undefined> {
    try {
      const out = await this.#client.send(
        new GetItemCommand({
          TableName: this.#table,
          Key: { pk: { S: key.pk }, sk: { S: key.sk } },
          ConsistentRead: true,
        }),
      );
      return this.#live(out.Item);
    } catch (error) {
      throw awsFailure('DynamoDB GetItem', error);
    }
  }

  async put(key: StateKey, value: StateValue, options: StatePutOptions = {}): Promise<StateItem> {
    const data = JSON.stringify(value);
    const bytes = stateItemBytes(key, data, options.expiresAt);
    if (bytes > stateItemMaxBytes) throw new StateItemTooLargeError(key, bytes);
    const names: Record<string, string> = {
      '#data': 'data',
      '#version': 'version',
      '#expiresAt': 'expiresAt',
    };
    const values: Item = { ':data': { S: data } };
    let versionExpr: string;
    let condition: string | undefined;
    if (options.if === 'absent') {
      names['#pk'] = 'pk';
      values[':one'] = { N: '1' };
      values[':now'] = { N: this.#now() };
      versionExpr = ':one';
      condition = stateExpressions.absent;
    } else if (typeof options.if === 'number') {
      values[':version'] = { N: String(options.if) };
      values[':next'] = { N: String(options.if + 1) };
      values[':now'] = { N: this.#now() };
      versionExpr = ':next';
      condition = stateExpressions.version;
    } else {
      values[':zero'] = { N: '0' };
      values[':one'] = { N: '1' };
      versionExpr = 'if_not_exists(#version, :zero) + :one';
    }
    let update = `SET #data = :data, #version = ${versionExpr}`;
    if (options.expiresAt === undefined) update += ' REMOVE #expiresAt';
    else {
      update += ', #expiresAt = :expiresAt';
      values[':expiresAt'] = { N: String(options.expiresAt) };
    }
    try {
      const out = await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: { pk: { S: key.pk }, sk: { S: key.sk } },
          UpdateExpression: update,
          ...(condition === undefined ? {} : { ConditionExpression: condition }),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
          ...(condition === undefined ? {} : { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }),
        }),
      );
      if (!out.Attributes)
        throw new Error('UpdateItem returned no attributes although ReturnValues is ALL_NEW');
      return itemOf(out.Attributes);
    } catch (error) {
      throw this.#failure('DynamoDB UpdateItem', key, error);
    }
  }

  async delete(key: StateKey, options: { readonly ifVersion?: number } = {}): Promise<void> {
    const conditional =
      options.ifVersion === undefined
        ? {}
        : {
            ConditionExpression: stateExpressions.version,
            ExpressionAttributeNames: { '#version': 'version', '#expiresAt': 'expiresAt' },
            ExpressionAttributeValues: {
              ':version': { N: String(options.ifVersion) },
              ':now': { N: this.#now() },
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
          };
    try {
      await this.#client.send(
        new DeleteItemCommand({
          TableName: this.#table,
          Key: { pk: { S: key.pk }, sk: { S: key.sk } },
          ...conditional,
        }),
      );
    } catch (error) {
      throw this.#failure('DynamoDB DeleteItem', key, error);
    }
  }

  async query(query: StateQuery): Promise<StatePage> {
    const prefixed = query.skPrefix !== undefined && query.skPrefix !== '';
    try {
      const out = await this.#client.send(
        new QueryCommand({
          TableName: this.#table,
          ConsistentRead: true,
          KeyConditionExpression: prefixed ? stateExpressions.keyPrefix : stateExpressions.key,
          FilterExpression: stateExpressions.live,
          ExpressionAttributeNames: {
            '#pk': 'pk',
            ...(prefixed ? { '#sk': 'sk' } : {}),
            '#expiresAt': 'expiresAt',
          },
          ExpressionAttributeValues: {
            ':pk': { S: query.pk },
            ...(prefixed ? { ':prefix': { S: query.skPrefix ?? '' } } : {}),
            ':now': { N: this.#now() },
          },
          ...(query.limit === undefined ? {} : { Limit: query.limit }),
          ...(query.cursor === undefined
            ? {}
            : {
                ExclusiveStartKey: (() => {
                  const k = decodeCursor(query.cursor);
                  return { pk: { S: k.pk }, sk: { S: k.sk } };
                })(),
              }),
        }),
      );
      const items = (out.Items ?? []).map(itemOf);
      const last = out.LastEvaluatedKey;
      return last
        ? { items, cursor: encodeCursor({ pk: last.pk?.S ?? '', sk: last.sk?.S ?? '' }) }
        : { items };
    } catch (error) {
      throw awsFailure('DynamoDB Query', error);
    }
  }

  #failure(what: string, key: StateKey, error: unknown) {
    if (
      error instanceof ConditionalCheckFailedException ||
      (error as { name?: string })?.name === 'ConditionalCheckFailedException'
    ) {
      const old = (error as { Item?: Item }).Item;
      return new StateConditionFailedError(key, this.#live(old), { cause: error });
    }
    return awsFailure(what, error);
  }
}

function itemOf(item: Item): StateItem {
  const expiresAt = item.expiresAt?.N;
  return {
    pk: item.pk?.S ?? '',
    sk: item.sk?.S ?? '',
    value: JSON.parse(item.data?.S ?? 'null') as StateValue,
    version: Number(item.version?.N ?? '0'),
    ...(expiresAt === undefined ? {} : { expiresAt: Number(expiresAt) }),
  };
}
