import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { stateStoreBehaviour } from '@lakeops/testing';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbStateStore } from '../src/index.ts';
import { FakeDynamoDbTable } from './fake-dynamodb-table.ts';

// The suite's SDK commands reach an in-memory table that evaluates their expressions like
// DynamoDB; the exact inputs are asserted in dynamodb-state-store.test.ts.
const dynamo = mockClient(DynamoDBClient);

stateStoreBehaviour('DynamoDbStateStore (mocked client, in-memory table)', async (clock) => {
  dynamo.reset();
  const table = new FakeDynamoDbTable();
  dynamo.on(GetItemCommand).callsFake((input) => table.getItem(input));
  dynamo.on(UpdateItemCommand).callsFake((input) => table.updateItem(input));
  dynamo.on(DeleteItemCommand).callsFake((input) => table.deleteItem(input));
  dynamo.on(QueryCommand).callsFake((input) => table.query(input));
  return { store: new DynamoDbStateStore({ client: new DynamoDBClient({}), tableName: 'State', clock }) };
});
