import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTablesFromTemplate,
  fileDeadLetterSink,
  JavaMissingError,
  startDynamoDbLocal,
  startStreamPoller,
} from '../../infra/local/dynamodb';
import type { CloudFormationTemplate, DynamoDbLocal } from '../../infra/local/dynamodb';

const template: CloudFormationTemplate = {
  Resources: {
    ItemsTable: {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'g', AttributeType: 'S' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byG',
            KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
    },
  },
};
const completedFilter = {
  Filters: [
    {
      Pattern: JSON.stringify({
        eventName: ['MODIFY'],
        dynamodb: {
          NewImage: { status: { S: ['completed'] } },
          OldImage: { status: { S: [{ 'anything-but': ['completed'] }] } },
        },
      }),
    },
  ],
};

let db: DynamoDbLocal;
let client: DynamoDBClient;
let streams: DynamoDBStreamsClient;
const creds = { region: 'ap-south-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
let counter = 0;

async function freshTable(): Promise<{ name: string; streamArn: string }> {
  counter += 1;
  const out = await createTablesFromTemplate(client, template, { tableName: (id) => `${id}-${counter}` });
  return { name: out.ItemsTable!.tableName, streamArn: out.ItemsTable!.streamArn! };
}

async function put(table: string, pk: string, status: string) {
  await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, status: { S: status } } }));
}
async function setStatus(table: string, pk: string, status: string) {
  await client.send(
    new UpdateItemCommand({
      TableName: table,
      Key: { pk: { S: pk } },
      UpdateExpression: 'SET #s = :s',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': { S: status } },
    }),
  );
}

beforeAll(async () => {
  db = await startDynamoDbLocal({ port: 0, inMemory: true });
  client = new DynamoDBClient({ ...creds, endpoint: db.endpoint });
  streams = new DynamoDBStreamsClient({ ...creds, endpoint: db.endpoint });
});
afterAll(async () => {
  await db?.stop();
});

describe('DynamoDB Local tables from a template', () => {
  it('creates keys, GSIs and the stream, and is idempotent', async () => {
    const first = await createTablesFromTemplate(client, template, { tableName: () => 'Idem' });
    const again = await createTablesFromTemplate(client, template, { tableName: () => 'Idem' });
    expect(again).toEqual(first);
    const table = (await client.send(new DescribeTableCommand({ TableName: 'Idem' }))).Table!;
    expect(table.GlobalSecondaryIndexes?.map((g) => g.IndexName)).toEqual(['byG']);
    expect(table.StreamSpecification?.StreamViewType).toBe('NEW_AND_OLD_IMAGES');
  });
});

describe('stream poller', () => {
  it('delivers only records that match the filter, with old and new images', async () => {
    const { name, streamArn } = await freshTable();
    const seen: DynamoDBRecord[] = [];
    const poller = startStreamPoller({
      streamsClient: streams,
      streamArn,
      filterCriteria: completedFilter,
      batchSize: 10,
      maximumRetryAttempts: 2,
      bisectBatchOnFunctionError: true,
      reportBatchItemFailures: true,
      startingPosition: 'TRIM_HORIZON',
      pollIntervalMs: 50,
      handler: async (event: DynamoDBStreamEvent) => {
        seen.push(...event.Records);
      },
      onFailure: () => undefined,
    });
    await put(name, 'a', 'pending');
    await setStatus(name, 'a', 'completed');
    await setStatus(name, 'a', 'completed');
    await put(name, 'b', 'pending');
    await poller.idle();
    await poller.stop();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.dynamodb?.OldImage?.status).toEqual({ S: 'pending' });
    expect(seen[0]!.dynamodb?.NewImage?.status).toEqual({ S: 'completed' });
    expect(seen[0]!.eventSourceARN).toBe(streamArn);
  });

  it('retries a failing batch, bisects it, and sends what never succeeds to the on-failure destination', async () => {
    const { name, streamArn } = await freshTable();
    const dir = mkdtempSync(join(tmpdir(), 'dlq-'));
    const sink = fileDeadLetterSink(dir, 'test-dlq');
    const handled: string[] = [];
    let invocations = 0;
    const poller = startStreamPoller({
      streamsClient: streams,
      streamArn,
      batchSize: 10,
      maximumRetryAttempts: 2,
      bisectBatchOnFunctionError: true,
      reportBatchItemFailures: false,
      startingPosition: 'TRIM_HORIZON',
      pollIntervalMs: 50,
      retryDelayMs: 1,
      handler: async (event) => {
        invocations += 1;
        if (event.Records.some((r) => r.dynamodb?.Keys?.pk?.S === 'poison')) throw new Error('boom');
        handled.push(...event.Records.map((r) => r.dynamodb!.Keys!.pk!.S!));
      },
      onFailure: (r) => sink.write(r),
    });
    await put(name, 'ok1', 'x');
    await put(name, 'poison', 'x');
    await put(name, 'ok2', 'x');
    await poller.idle();
    await poller.stop();
    expect(handled.sort()).toEqual(['ok1', 'ok2']);
    const failures = sink.list() as { records: DynamoDBRecord[]; requestContext: { condition: string } }[];
    expect(failures).toHaveLength(1);
    expect(failures[0]!.requestContext.condition).toBe('RetryAttemptsExhausted');
    expect(failures[0]!.records.map((r) => r.dynamodb?.Keys?.pk?.S)).toEqual(['poison']);
    expect(invocations).toBeGreaterThan(3);
  });

  it('retries from the first item a partial batch response names', async () => {
    const { name, streamArn } = await freshTable();
    const calls: string[][] = [];
    let failedOnce = false;
    // Written before the poller starts, so the three arrive in one batch.
    await put(name, 'k1', 'x');
    await put(name, 'k2', 'x');
    await put(name, 'k3', 'x');
    const poller = startStreamPoller({
      streamsClient: streams,
      streamArn,
      batchSize: 10,
      maximumRetryAttempts: 3,
      bisectBatchOnFunctionError: false,
      reportBatchItemFailures: true,
      startingPosition: 'TRIM_HORIZON',
      pollIntervalMs: 50,
      retryDelayMs: 1,
      handler: async (event) => {
        const keys = event.Records.map((r) => r.dynamodb!.Keys!.pk!.S!);
        calls.push(keys);
        const second = event.Records[1];
        if (!failedOnce && second) {
          failedOnce = true;
          return { batchItemFailures: [{ itemIdentifier: second.dynamodb!.SequenceNumber! }] };
        }
        return { batchItemFailures: [] };
      },
      onFailure: () => undefined,
    });
    await poller.idle();
    await poller.stop();
    expect(calls[0]).toEqual(['k1', 'k2', 'k3']);
    expect(calls[1]).toEqual(['k2', 'k3']);
  });

  it('resumes after its checkpoint: a restarted poller does not replay handled records', async () => {
    const { name, streamArn } = await freshTable();
    const checkpointFile = join(mkdtempSync(join(tmpdir(), 'ckpt-')), 'c.json');
    const seen: string[] = [];
    const options = {
      streamsClient: streams,
      streamArn,
      batchSize: 10,
      maximumRetryAttempts: 1,
      bisectBatchOnFunctionError: false,
      reportBatchItemFailures: false,
      startingPosition: 'TRIM_HORIZON' as const,
      pollIntervalMs: 50,
      checkpointFile,
      handler: async (event: DynamoDBStreamEvent) => {
        seen.push(...event.Records.map((r) => r.dynamodb!.Keys!.pk!.S!));
      },
      onFailure: () => undefined,
    };
    const first = startStreamPoller(options);
    await put(name, 'one', 'x');
    await first.idle();
    await first.stop();
    await put(name, 'two', 'x');
    const second = startStreamPoller(options);
    await second.idle();
    await second.stop();
    expect(seen).toEqual(['one', 'two']);
  });
});

describe('DynamoDB Local process', () => {
  it('keeps an on-disk database across a stop and a start', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ddb-'));
    const a = await startDynamoDbLocal({ port: 0, dataDir });
    const ca = new DynamoDBClient({ ...creds, endpoint: a.endpoint });
    await createTablesFromTemplate(ca, template, { tableName: () => 'Persisted' });
    await ca.send(new PutItemCommand({ TableName: 'Persisted', Item: { pk: { S: 'kept' } } }));
    await a.stop();
    const b = await startDynamoDbLocal({ port: 0, dataDir });
    const cb = new DynamoDBClient({ ...creds, endpoint: b.endpoint });
    const t = await cb.send(new DescribeTableCommand({ TableName: 'Persisted' }));
    await b.stop();
    expect(t.Table?.ItemCount ?? 0).toBeGreaterThanOrEqual(0);
    expect(t.Table?.TableName).toBe('Persisted');
  });

  it('says clearly when Java is missing', async () => {
    await expect(
      startDynamoDbLocal({ port: 0, inMemory: true, javaPath: '/nonexistent/java' }),
    ).rejects.toThrow(JavaMissingError);
    await expect(
      startDynamoDbLocal({ port: 0, inMemory: true, javaPath: '/nonexistent/java' }),
    ).rejects.toThrow(/Java 17 or newer/);
  });
});
