import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { ManualClock } from '@lakeops/testing';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbStateStore } from '../src/index.ts';

const dynamo = mockClient(DynamoDBClient);
const clock = new ManualClock('2026-12-01T02:00:00Z');
const now = String(clock.epochSeconds);
const store = () =>
  new DynamoDbStateStore({ client: new DynamoDBClient({}), tableName: 'lakeops-State', clock });
const key = { pk: 'dsar#request', sk: 'r-1' };
const dynamoKey = { pk: { S: 'dsar#request' }, sk: { S: 'r-1' } };
const stored = (version: string, extra = {}) => ({
  ...dynamoKey,
  data: { S: '{"status":"pending"}' },
  version: { N: version },
  ...extra,
});

describe('DynamoDbStateStore', () => {
  beforeEach(() => dynamo.reset());

  it('gets with a strongly consistent read and hides an item whose expiresAt has passed', async () => {
    // Prepare
    dynamo.on(GetItemCommand).resolvesOnce({ Item: stored('3', { expiresAt: { N: now } }) });
    // Act
    const item = await store().get(key);
    // Assess
    expect(dynamo).toHaveReceivedCommandWith(GetItemCommand, {
      TableName: 'lakeops-State',
      Key: dynamoKey,
      ConsistentRead: true,
    });
    expect(item).toBeUndefined();
  });

  it('puts if absent with one UpdateItem: version 1, TTL attribute, absent-or-expired condition', async () => {
    // Prepare
    dynamo.on(UpdateItemCommand).resolves({ Attributes: stored('1', { expiresAt: { N: '1800000000' } }) });
    // Act
    const item = await store().put(key, { status: 'pending' }, { if: 'absent', expiresAt: 1800000000 });
    // Assess
    expect(dynamo).toHaveReceivedCommandWith(UpdateItemCommand, {
      TableName: 'lakeops-State',
      Key: dynamoKey,
      UpdateExpression: 'SET #data = :data, #version = :one, #expiresAt = :expiresAt',
      ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt <= :now',
      ExpressionAttributeNames: {
        '#data': 'data',
        '#version': 'version',
        '#expiresAt': 'expiresAt',
        '#pk': 'pk',
      },
      ExpressionAttributeValues: {
        ':data': { S: '{"status":"pending"}' },
        ':one': { N: '1' },
        ':now': { N: now },
        ':expiresAt': { N: '1800000000' },
      },
      ReturnValues: 'ALL_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(item).toEqual({ ...key, value: { status: 'pending' }, version: 1, expiresAt: 1800000000 });
  });

  it('puts if version with the next version and removes a previous TTL', async () => {
    // Prepare
    dynamo.on(UpdateItemCommand).resolves({ Attributes: stored('5') });
    // Act
    await store().put(key, { status: 'pending' }, { if: 4 });
    // Assess
    expect(dynamo).toHaveReceivedCommandWith(UpdateItemCommand, {
      UpdateExpression: 'SET #data = :data, #version = :next REMOVE #expiresAt',
      ConditionExpression: '#version = :version AND (attribute_not_exists(#expiresAt) OR #expiresAt > :now)',
      ExpressionAttributeNames: { '#data': 'data', '#version': 'version', '#expiresAt': 'expiresAt' },
      ExpressionAttributeValues: {
        ':data': { S: '{"status":"pending"}' },
        ':version': { N: '4' },
        ':next': { N: '5' },
        ':now': { N: now },
      },
    });
  });

  it('puts unconditionally with if_not_exists on the version and no condition', async () => {
    // Prepare
    dynamo.on(UpdateItemCommand).resolves({ Attributes: stored('2') });
    // Act
    await store().put(key, { status: 'pending' });
    // Assess
    const input = dynamo.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(input).toEqual({
      TableName: 'lakeops-State',
      Key: dynamoKey,
      UpdateExpression:
        'SET #data = :data, #version = if_not_exists(#version, :zero) + :one REMOVE #expiresAt',
      ExpressionAttributeNames: { '#data': 'data', '#version': 'version', '#expiresAt': 'expiresAt' },
      ExpressionAttributeValues: {
        ':data': { S: '{"status":"pending"}' },
        ':zero': { N: '0' },
        ':one': { N: '1' },
      },
      ReturnValues: 'ALL_NEW',
    });
  });

  it('maps ConditionalCheckFailedException to StateConditionFailed with the live old item', async () => {
    // Prepare
    dynamo.on(UpdateItemCommand).rejects(
      new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        Item: stored('7'),
      }),
    );
    // Act
    const put = store().put(key, { status: 'x' }, { if: 'absent' });
    // Assess
    await expect(put).rejects.toMatchObject({
      code: 'StateConditionFailed',
      retryable: false,
      current: { ...key, value: { status: 'pending' }, version: 7 },
    });
  });

  it('maps throttling to a retryable error', async () => {
    // Prepare
    const throttled = Object.assign(new Error('slow down'), {
      name: 'ProvisionedThroughputExceededException',
      $metadata: { httpStatusCode: 400 },
    });
    dynamo.on(UpdateItemCommand).rejects(Object.assign(throttled, { name: 'ThrottlingException' }));
    // Act
    const put = store().put(key, 1);
    // Assess
    await expect(put).rejects.toMatchObject({ code: 'DependencyUnavailable', retryable: true });
  });

  it('deletes with a version condition when asked', async () => {
    // Prepare
    dynamo.on(DeleteItemCommand).resolves({});
    // Act
    await store().delete(key, { ifVersion: 2 });
    // Assess
    expect(dynamo).toHaveReceivedCommandWith(DeleteItemCommand, {
      TableName: 'lakeops-State',
      Key: dynamoKey,
      ConditionExpression: '#version = :version AND (attribute_not_exists(#expiresAt) OR #expiresAt > :now)',
      ExpressionAttributeNames: { '#version': 'version', '#expiresAt': 'expiresAt' },
      ExpressionAttributeValues: { ':version': { N: '2' }, ':now': { N: now } },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('queries by prefix with a TTL filter, Limit and the cursor as ExclusiveStartKey', async () => {
    // Prepare
    dynamo
      .on(QueryCommand)
      .resolvesOnce({ Items: [stored('1')], LastEvaluatedKey: dynamoKey })
      .resolvesOnce({ Items: [] });
    // Act
    const first = await store().query({ pk: 'dsar#request', skPrefix: 'r-', limit: 1 });
    const second = await store().query({
      pk: 'dsar#request',
      skPrefix: 'r-',
      limit: 1,
      ...(first.cursor ? { cursor: first.cursor } : {}),
    });
    // Assess
    const base = {
      TableName: 'lakeops-State',
      ConsistentRead: true,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      FilterExpression: '(attribute_not_exists(#expiresAt) OR #expiresAt > :now)',
      ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', '#expiresAt': 'expiresAt' },
      ExpressionAttributeValues: { ':pk': { S: 'dsar#request' }, ':prefix': { S: 'r-' }, ':now': { N: now } },
      Limit: 1,
    };
    expect(dynamo.commandCalls(QueryCommand).map((c) => c.args[0].input)).toEqual([
      base,
      { ...base, ExclusiveStartKey: dynamoKey },
    ]);
    expect(second).toEqual({ items: [] });
  });

  it('refuses an item above 400 KB without calling DynamoDB', async () => {
    // Act
    const put = store().put(key, 'x'.repeat(410_000));
    // Assess
    await expect(put).rejects.toMatchObject({ code: 'StateItemTooLarge' });
    expect(dynamo).not.toHaveReceivedCommand(UpdateItemCommand);
  });
});
