import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CheckpointFileError,
  createTablesFromTemplate,
  fileDeadLetterSink,
  FilterPatternError,
  startDynamoDbLocal,
  startStreamPoller,
} from '../../infra/local/dynamodb';
import type {
  CloudFormationTemplate,
  DynamoDbLocal,
  FailureRecord,
  StreamPollerOptions,
} from '../../infra/local/dynamodb';

const REGION = 'ap-south-1';
const creds = { region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
const template: CloudFormationTemplate = {
  Resources: {
    Payments: {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'g', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byG',
            KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      },
    },
  },
};
/** The project's payout trigger: a payment that just became completed. */
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
let tables = 0;

beforeAll(async () => {
  db = await startDynamoDbLocal({ port: 0, inMemory: true });
  client = new DynamoDBClient({ ...creds, endpoint: db.endpoint });
  streams = new DynamoDBStreamsClient({ ...creds, endpoint: db.endpoint });
});
afterAll(async () => {
  client?.destroy();
  streams?.destroy();
  await db?.stop();
});

async function freshTable(): Promise<{ name: string; streamArn: string }> {
  tables += 1;
  const out = await createTablesFromTemplate(client, template, { tableName: (id) => `${id}-${tables}` });
  return { name: out.Payments!.tableName, streamArn: out.Payments!.streamArn! };
}
async function put(table: string, pk: string, status = 'pending', extra: Record<string, object> = {}) {
  await client.send(
    new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, status: { S: status }, ...extra } }),
  );
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
const keysOf = (event: DynamoDBStreamEvent) => event.Records.map((r) => r.dynamodb!.Keys!.pk!.S!);

function poller(
  streamArn: string,
  handler: StreamPollerOptions['handler'],
  overrides: Partial<StreamPollerOptions> = {},
) {
  const failures: FailureRecord[] = [];
  const p = startStreamPoller({
    streamsClient: streams,
    streamArn,
    region: REGION,
    batchSize: 10,
    maximumRetryAttempts: 2,
    bisectBatchOnFunctionError: false,
    reportBatchItemFailures: false,
    startingPosition: 'TRIM_HORIZON',
    pollIntervalMs: 20,
    retryDelayMs: 1,
    handler,
    onFailure: async (r) => {
      failures.push(r);
    },
    ...overrides,
  });
  return Object.assign(p, { failures });
}

describe('stream poller: records and filters', () => {
  it('delivers a MODIFY with old and new images, in the Lambda event shape, only when the filter matches', async () => {
    // Prepare
    const { name, streamArn } = await freshTable();
    const seen: DynamoDBRecord[] = [];
    const p = poller(streamArn, async (event) => void seen.push(...event.Records), {
      filterCriteria: completedFilter,
    });
    // Act
    await put(name, 'a', 'pending', { doc: { B: new Uint8Array([1, 2, 3]) } });
    await setStatus(name, 'a', 'completed');
    await setStatus(name, 'a', 'completed');
    await put(name, 'b', 'pending');
    await setStatus(name, 'b', 'failed');
    await client.send(new DeleteItemCommand({ TableName: name, Key: { pk: { S: 'a' } } }));
    await p.idle();
    await p.stop();
    // Assess
    expect(seen).toHaveLength(1);
    const r = seen[0]!;
    expect(r).toMatchObject({
      eventName: 'MODIFY',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: REGION,
      eventSourceARN: streamArn,
    });
    expect(r.eventID).toEqual(expect.any(String));
    expect(r.dynamodb?.Keys).toEqual({ pk: { S: 'a' } });
    expect(r.dynamodb?.OldImage?.status).toEqual({ S: 'pending' });
    expect(r.dynamodb?.NewImage?.status).toEqual({ S: 'completed' });
    expect(r.dynamodb?.NewImage?.doc).toEqual({ B: 'AQID' });
    expect(r.dynamodb?.StreamViewType).toBe('NEW_AND_OLD_IMAGES');
    expect(r.dynamodb?.SequenceNumber).toMatch(/^\d+$/);
    expect(r.dynamodb?.SizeBytes).toBeGreaterThan(0);
    expect(Number.isInteger(r.dynamodb?.ApproximateCreationDateTime)).toBe(true);
    expect(Math.abs(r.dynamodb!.ApproximateCreationDateTime! - Date.now() / 1000)).toBeLessThan(3600);
  });

  it('keeps shard order and batch size', async () => {
    // Prepare
    const { name, streamArn } = await freshTable();
    for (let i = 0; i < 23; i += 1) await put(name, `k${String(i).padStart(2, '0')}`);
    const batches: string[][] = [];
    // Act
    const p = poller(streamArn, async (event) => void batches.push(keysOf(event)), { batchSize: 10 });
    await p.idle();
    await p.stop();
    // Assess
    expect(batches.map((b) => b.length)).toEqual([10, 10, 3]);
    expect(batches.flat()).toEqual(Array.from({ length: 23 }, (_, i) => `k${String(i).padStart(2, '0')}`));
  });

  it('rejects a filter it cannot honour before reading anything', async () => {
    // Prepare
    const { streamArn } = await freshTable();
    const filterCriteria = {
      Filters: [{ Pattern: '{"dynamodb":{"Keys":{"pk":{"S":[{"wildcard":"a*"}]}}}}' }],
    };
    // Act
    const start = () => poller(streamArn, async () => undefined, { filterCriteria });
    // Assess
    expect(start).toThrow(FilterPatternError);
    expect(start).toThrow(/Filters\[0\].*unsupported filter operator "wildcard"/);
  });

  it('starts at LATEST: records written before the start are skipped', async () => {
    // Prepare
    const { name, streamArn } = await freshTable();
    await put(name, 'before');
    const seen: string[] = [];
    const p = poller(streamArn, async (event) => void seen.push(...keysOf(event)), {
      startingPosition: 'LATEST',
    });
    await p.idle();
    // Act
    await put(name, 'after');
    await p.idle();
    await p.stop();
    // Assess
    expect(seen).toEqual(['after']);
  });
});

describe('stream poller: failures, as Lambda handles them', () => {
  it('retries a failing batch maximumRetryAttempts times, then sends it to onFailure and moves on', async () => {
    // Prepare
    const { name, streamArn } = await freshTable();
    await put(name, 'a');
    await put(name, 'poison');
    await put(name, 'b');
    const calls: string[][] = [];
    const p = poller(
      streamArn,
      async (event) => {
        calls.push(keysOf(event));
        if (keysOf(event).includes('poison')) throw new TypeError('cannot handle poison');
      },
      { maximumRetryAttempts: 2 },
    );
    await p.idle();
    // Act
    await put(name, 'next');
    await p.idle();
    await p.stop();
    // Assess
    expect(calls).toEqual([['a', 'poison', 'b'], ['a', 'poison', 'b'], ['a', 'poison', 'b'], ['next']]);
    expect(p.failures).toHaveLength(1);
    const f = p.failures[0]!;
    expect(f.requestContext).toMatchObject({
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 3,
    });
    expect(f.responseContext).toEqual({
      statusCode: 200,
      executedVersion: '$LATEST',
      functionError: 'Unhandled',
    });
    expect(f.version).toBe('1.0');
    expect(f.DDBStreamBatchInfo).toMatchObject({
      streamArn,
      batchSize: 3,
      startSequenceNumber: f.records[0]!.dynamodb!.SequenceNumber,
      endSequenceNumber: f.records[2]!.dynamodb!.SequenceNumber,
    });
    expect(f.DDBStreamBatchInfo.shardId).toMatch(/^shardId-/);
    expect(f.records.map((r) => r.dynamodb?.Keys?.pk?.S)).toEqual(['a', 'poison', 'b']);
    expect(f.error).toBe('TypeError: cannot handle poison');
  });

  it('bisects a failing batch down to the bad record; splitting uses no retries', async () => {
    // Prepare
    const { name, streamArn } = await freshTable();
    for (const k of ['ok1', 'poison', 'ok2', 'ok3']) await put(name, k);
    const calls: string[][] = [];
    const handled: string[] = [];
    // Act
    const p = poller(
      streamArn,
      async (event) => {
        calls.push(keysOf(event));
        if (keysOf(event).includes('poison')) throw new Error('boom');
        handled.push(...keysOf(event));
      },
      { maximumRetryAttempts: 1, bisectBatchOnFunctionError: true },
    );
    await p.idle();
    await p.stop();
    // Assess
    expect(calls).toEqual([
      ['ok1', 'poison', 'ok2', 'ok3'],
      ['ok1', 'poison'],
      ['ok1'],
      ['poison'],
      ['poison'],
      ['ok2', 'ok3'],
    ]);
    expect(handled).toEqual(['ok1', 'ok2', 'ok3']);
    expect(
      p.failures.map((f) => [
        f.records.map((r) => r.dynamodb?.Keys?.pk?.S),
        f.requestContext.approximateInvokeCount,
      ]),
    ).toEqual([[['poison'], 2]]);
  });

  it('retries from the lowest failed item of a partial batch response', async () => {
    // Prepare
    const { name, streamArn } = await freshTable();
    for (const k of ['k1', 'k2', 'k3', 'k4']) await put(name, k);
    const calls: string[][] = [];
    // Act
    const p = poller(
      streamArn,
      async (event): Promise<DynamoDBBatchResponse> => {
        calls.push(keysOf(event));
        if (calls.length > 1) return { batchItemFailures: [] };
        const seq = (k: string) =>
          event.Records.find((r) => r.dynamodb?.Keys?.pk?.S === k)!.dynamodb!.SequenceNumber!;
        return { batchItemFailures: [{ itemIdentifier: seq('k4') }, { itemIdentifier: seq('k2') }] };
      },
      { reportBatchItemFailures: true },
    );
    await p.idle();
    await p.stop();
    // Assess
    expect(calls).toEqual([
      ['k1', 'k2', 'k3', 'k4'],
      ['k2', 'k3', 'k4'],
    ]);
    expect(p.failures).toEqual([]);
  });

  it('sends what a partial batch response keeps failing to onFailure once retries run out', async () => {
    // Prepare
    const { name, streamArn } = await freshTable();
    for (const k of ['k1', 'k2', 'k3']) await put(name, k);
    const calls: string[][] = [];
    const failK2 = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
      calls.push(keysOf(event));
      const k2 = event.Records.find((r) => r.dynamodb?.Keys?.pk?.S === 'k2');
      return { batchItemFailures: k2 ? [{ itemIdentifier: k2.dynamodb!.SequenceNumber! }] : [] };
    };
    // Act
    const p = poller(streamArn, failK2, { reportBatchItemFailures: true, maximumRetryAttempts: 1 });
    await p.idle();
    await p.stop();
    // Assess: as AWS documents it, without bisect the whole rest of the batch is given up.
    expect(calls).toEqual([
      ['k1', 'k2', 'k3'],
      ['k2', 'k3'],
    ]);
    expect(p.failures.map((f) => f.records.map((r) => r.dynamodb?.Keys?.pk?.S))).toEqual([['k2', 'k3']]);
    expect(p.failures[0]?.requestContext.approximateInvokeCount).toBe(2);
    expect(p.failures[0]?.responseContext.functionError).toBeUndefined();
  });

  it('with bisect as well, gives up only the record that keeps failing', async () => {
    // Prepare
    const { name, streamArn } = await freshTable();
    for (const k of ['k1', 'k2', 'k3', 'k4']) await put(name, k);
    const calls: string[][] = [];
    // Act
    const p = poller(
      streamArn,
      async (event): Promise<DynamoDBBatchResponse> => {
        calls.push(keysOf(event));
        const k2 = event.Records.find((r) => r.dynamodb?.Keys?.pk?.S === 'k2');
        return { batchItemFailures: k2 ? [{ itemIdentifier: k2.dynamodb!.SequenceNumber! }] : [] };
      },
      { reportBatchItemFailures: true, bisectBatchOnFunctionError: true, maximumRetryAttempts: 1 },
    );
    await p.idle();
    await p.stop();
    // Assess
    expect(calls).toEqual([
      ['k1', 'k2', 'k3', 'k4'],
      ['k2', 'k3', 'k4'],
      ['k2', 'k3'],
      ['k2'],
      ['k2'],
      ['k3'],
      ['k4'],
    ]);
    expect(p.failures.map((f) => f.records.map((r) => r.dynamodb?.Keys?.pk?.S))).toEqual([['k2']]);
  });

  it('treats an identifier that names no record of the batch as a failure of the whole batch', async () => {
    // Prepare
    const { name, streamArn } = await freshTable();
    await put(name, 'x1');
    await put(name, 'x2');
    const calls: string[][] = [];
    // Act
    const p = poller(
      streamArn,
      async (event): Promise<DynamoDBBatchResponse> => {
        calls.push(keysOf(event));
        return calls.length === 1
          ? { batchItemFailures: [{ itemIdentifier: '' }] }
          : { batchItemFailures: [] };
      },
      { reportBatchItemFailures: true },
    );
    await p.idle();
    await p.stop();
    // Assess
    expect(calls).toEqual([
      ['x1', 'x2'],
      ['x1', 'x2'],
    ]);
  });

  it('ignores a partial batch response unless reportBatchItemFailures is on', async () => {
    // Prepare
    const { name, streamArn } = await freshTable();
    await put(name, 'y1');
    await put(name, 'y2');
    const calls: string[][] = [];
    // Act
    const p = poller(streamArn, async (event): Promise<DynamoDBBatchResponse> => {
      calls.push(keysOf(event));
      return { batchItemFailures: [{ itemIdentifier: event.Records[0]!.dynamodb!.SequenceNumber! }] };
    });
    await p.idle();
    await p.stop();
    // Assess
    expect(calls).toEqual([['y1', 'y2']]);
  });

  it('holds the shard while the on-failure destination fails, so no record is lost', async () => {
    // Prepare
    const { name, streamArn } = await freshTable();
    await put(name, 'bad');
    await put(name, 'good');
    const stored: FailureRecord[] = [];
    const handled: string[] = [];
    let destinationDown = true;
    // Act
    const p = poller(
      streamArn,
      async (event) => {
        if (keysOf(event).includes('bad')) throw new Error('bad record');
        handled.push(...keysOf(event));
      },
      {
        batchSize: 1,
        maximumRetryAttempts: 0,
        onFailure: async (r) => {
          if (destinationDown) {
            destinationDown = false;
            throw new Error('queue unavailable');
          }
          stored.push(r);
        },
      },
    );
    await p.idle();
    await p.stop();
    // Assess
    expect(stored.map((f) => f.records.map((r) => r.dynamodb?.Keys?.pk?.S))).toEqual([['bad']]);
    expect(handled).toEqual(['good']);
  });
});

describe('stream poller: checkpoints', () => {
  it('resumes after its checkpoint: a restarted poller does not replay handled records', async () => {
    // Prepare
    const { name, streamArn } = await freshTable();
    const checkpointFile = join(mkdtempSync(join(tmpdir(), 'ckpt-')), 'streams', 'c.json');
    const seen: string[] = [];
    const first = poller(streamArn, async (event) => void seen.push(...keysOf(event)), { checkpointFile });
    await put(name, 'one');
    await first.idle();
    await first.stop();
    await put(name, 'two');
    // Act
    const second = poller(streamArn, async (event) => void seen.push(...keysOf(event)), { checkpointFile });
    await second.idle();
    await second.stop();
    // Assess
    const saved = JSON.parse(readFileSync(checkpointFile, 'utf8')) as {
      streamArn: string;
      shards: Record<string, { sequenceNumber: string }>;
    };
    expect(seen).toEqual(['one', 'two']);
    expect(saved.streamArn).toBe(streamArn);
    expect(Object.values(saved.shards)[0]?.sequenceNumber).toMatch(/^\d+$/);
  });

  it('counts filtered-out records as handled', async () => {
    // Prepare
    const { name, streamArn } = await freshTable();
    const checkpointFile = join(mkdtempSync(join(tmpdir(), 'ckpt-')), 'c.json');
    const seenByFiltered: string[] = [];
    const filtered = poller(streamArn, async (event) => void seenByFiltered.push(...keysOf(event)), {
      checkpointFile,
      filterCriteria: completedFilter,
    });
    await put(name, 'p1');
    await put(name, 'p2');
    await filtered.idle();
    await filtered.stop();
    // Act
    const seenAfter: string[] = [];
    const unfiltered = poller(streamArn, async (event) => void seenAfter.push(...keysOf(event)), {
      checkpointFile,
    });
    await unfiltered.idle();
    await unfiltered.stop();
    // Assess
    expect(seenByFiltered).toEqual([]);
    expect(seenAfter).toEqual([]);
  });

  it('re-delivers a batch that was still being retried when the poller stopped', async () => {
    // Prepare
    const { name, streamArn } = await freshTable();
    const checkpointFile = join(mkdtempSync(join(tmpdir(), 'ckpt-')), 'c.json');
    await put(name, 'done');
    await put(name, 'stuck');
    let firstFailure!: () => void;
    const failedOnce = new Promise<void>((r) => (firstFailure = r));
    const first = poller(
      streamArn,
      async (event) => {
        if (keysOf(event).includes('stuck')) {
          firstFailure();
          throw new Error('downstream unavailable');
        }
      },
      { checkpointFile, batchSize: 1, maximumRetryAttempts: -1 },
    );
    await failedOnce;
    await first.stop();
    // Act
    const seen: string[] = [];
    const second = poller(streamArn, async (event) => void seen.push(...keysOf(event)), { checkpointFile });
    await second.idle();
    await second.stop();
    // Assess
    expect(first.failures).toEqual([]);
    expect(seen).toEqual(['stuck']);
  });

  it('refuses an unreadable checkpoint instead of guessing a position', async () => {
    // Prepare
    const { streamArn } = await freshTable();
    const checkpointFile = join(mkdtempSync(join(tmpdir(), 'ckpt-')), 'c.json');
    writeFileSync(checkpointFile, '{"streamArn": "x", "shards": {');
    // Act
    const start = () => poller(streamArn, async () => undefined, { checkpointFile });
    // Assess
    expect(start).toThrow(CheckpointFileError);
  });

  it('starts afresh when the checkpoint belongs to another stream (a re-created table)', async () => {
    // Prepare
    const { name, streamArn } = await freshTable();
    const checkpointFile = join(mkdtempSync(join(tmpdir(), 'ckpt-')), 'c.json');
    writeFileSync(
      checkpointFile,
      JSON.stringify({
        version: 1,
        streamArn: 'arn:old',
        shards: { whatever: { sequenceNumber: '999999999999999999999' } },
      }),
    );
    await put(name, 'fresh');
    const seen: string[] = [];
    // Act
    const p = poller(streamArn, async (event) => void seen.push(...keysOf(event)), { checkpointFile });
    await p.idle();
    await p.stop();
    // Assess
    expect(seen).toEqual(['fresh']);
  });
});

describe('file dead-letter sink', () => {
  it('appends JSON lines and lists them, surviving a line a crash cut short', async () => {
    // Prepare
    const dir = join(mkdtempSync(join(tmpdir(), 'dlq-')), 'dlq');
    const sink = fileDeadLetterSink(dir, 'startPayoutsDlq');
    await sink.write({ n: 1 });
    appendFileSync(sink.file, '{"n": 2, "cut sh');
    // Act
    await sink.write({ n: 3 });
    // Assess
    expect(sink.file).toBe(join(dir, 'startPayoutsDlq.jsonl'));
    expect(sink.list()).toEqual([{ n: 1 }, { n: 3 }]);
    expect(fileDeadLetterSink(dir, 'never-written').list()).toEqual([]);
    expect(() => fileDeadLetterSink(dir, '../escape')).toThrow(/plain file name/);
  });
});
