import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBStreamsClient, _Record as StreamRecord, Shard } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { compileFilterCriteria } from './event-filter';

/**
 * Reads DynamoDB Local's real stream and invokes a handler the way Lambda's event source mapping does:
 * filter criteria first, batches in shard order, retries with bisect, partial batch responses, bounded
 * attempts, then the on-failure destination. A checkpoint file makes a restart resume where it stopped.
 */
export interface FailureRecord {
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetryAttemptsExhausted';
    approximateInvokeCount: number;
  };
  responseContext: { statusCode: number; executedVersion: string; functionError: string };
  version: '1.0';
  timestamp: string;
  DDBStreamBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
  /** Not in AWS's record: the records themselves, so a local operator can replay them. */
  records: DynamoDBRecord[];
  error: string;
}

export interface StreamPollerOptions {
  streamsClient: DynamoDBStreamsClient;
  streamArn: string;
  region?: string;
  functionArn?: string;
  filterCriteria?: { Filters: { Pattern: string }[] };
  batchSize: number;
  maximumRetryAttempts: number;
  bisectBatchOnFunctionError: boolean;
  reportBatchItemFailures: boolean;
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>;
  onFailure: (record: FailureRecord) => Promise<void> | void;
  checkpointFile?: string;
  pollIntervalMs?: number;
  /** Base delay between retries of a failed batch (doubles per retry, at most 2 s). */
  retryDelayMs?: number;
  log?: (message: string) => void;
}

export interface StreamPoller {
  stop(): Promise<void>;
  /** Resolves once everything that is in the stream now has been handled. */
  idle(): Promise<void>;
}

export function toLambdaRecord(r: StreamRecord, streamArn: string, region: string): DynamoDBRecord {
  const d = r.dynamodb ?? {};
  const created = d.ApproximateCreationDateTime;
  return {
    eventID: r.eventID,
    eventName: r.eventName as DynamoDBRecord['eventName'],
    eventVersion: r.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: r.awsRegion ?? region,
    eventSourceARN: streamArn,
    dynamodb: {
      ...(created ? { ApproximateCreationDateTime: Math.floor(new Date(created).getTime() / 1000) } : {}),
      ...(d.Keys ? { Keys: d.Keys as never } : {}),
      ...(d.NewImage ? { NewImage: d.NewImage as never } : {}),
      ...(d.OldImage ? { OldImage: d.OldImage as never } : {}),
      ...(d.SequenceNumber ? { SequenceNumber: d.SequenceNumber } : {}),
      ...(d.SizeBytes !== undefined ? { SizeBytes: d.SizeBytes } : {}),
      ...(d.StreamViewType ? { StreamViewType: d.StreamViewType as never } : {}),
    },
  };
}

function loadCheckpoints(file?: string): Record<string, string> {
  if (!file || !existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}

function saveCheckpoints(file: string | undefined, data: Record<string, string>): void {
  if (!file) return;
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(data));
  renameSync(tmp, file);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function startStreamPoller(opts: StreamPollerOptions): StreamPoller {
  const region = opts.region ?? 'ap-south-1';
  const matches = compileFilterCriteria(opts.filterCriteria);
  const checkpoints = loadCheckpoints(opts.checkpointFile);
  const iterators = new Map<string, string | null>();
  const maxRetries = opts.maximumRetryAttempts < 0 ? 10_000 : opts.maximumRetryAttempts;
  const functionArn = opts.functionArn ?? 'arn:aws:lambda:local:000000000000:function:local';
  let running = true;
  let idleWaiters: (() => void)[] = [];
  let wake: (() => void) | null = null;

  const log = opts.log ?? (() => undefined);

  async function fail(
    records: DynamoDBRecord[],
    shardId: string,
    invokeCount: number,
    error: string,
  ): Promise<void> {
    const first = records[0];
    const last = records.at(-1);
    const arrival = (r?: DynamoDBRecord) =>
      new Date((r?.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000).toISOString();
    log(`giving up on ${records.length} record(s) after ${invokeCount} invocation(s): ${error}`);
    await opts.onFailure({
      requestContext: {
        requestId: randomUUID(),
        functionArn,
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: invokeCount,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: new Date().toISOString(),
      DDBStreamBatchInfo: {
        shardId,
        startSequenceNumber: first?.dynamodb?.SequenceNumber ?? '',
        endSequenceNumber: last?.dynamodb?.SequenceNumber ?? '',
        approximateArrivalOfFirstRecord: arrival(first),
        approximateArrivalOfLastRecord: arrival(last),
        batchSize: records.length,
        streamArn: opts.streamArn,
      },
      records,
      error,
    });
  }

  /** Delivers one batch with Lambda's retry semantics; returns when every record is handled or given up. */
  async function deliver(records: DynamoDBRecord[], shardId: string, attempt = 0): Promise<void> {
    if (records.length === 0 || !running) return;
    let failedFrom = -1;
    let error = '';
    try {
      const response = await opts.handler({ Records: records });
      const failures = opts.reportBatchItemFailures ? (response?.batchItemFailures ?? []) : [];
      if (failures.length > 0) {
        const ids = new Set(failures.map((f) => f.itemIdentifier));
        failedFrom = records.findIndex((r) => ids.has(r.dynamodb?.SequenceNumber ?? ''));
        // An identifier that names no record of the batch fails the whole batch (Lambda does the same).
        if (failedFrom < 0) failedFrom = 0;
        error = `${failures.length} record(s) reported as failed`;
      }
    } catch (e) {
      failedFrom = 0;
      error = (e as Error)?.message ?? String(e);
    }
    if (failedFrom < 0) return;
    const remaining = records.slice(failedFrom);
    if (attempt >= maxRetries) {
      await fail(remaining, shardId, attempt + 1, error);
      return;
    }
    await sleep(Math.min(2000, (opts.retryDelayMs ?? 100) * 2 ** attempt));
    if (opts.bisectBatchOnFunctionError && remaining.length > 1 && failedFrom === 0) {
      const half = Math.ceil(remaining.length / 2);
      await deliver(remaining.slice(0, half), shardId, attempt + 1);
      await deliver(remaining.slice(half), shardId, attempt + 1);
      return;
    }
    await deliver(remaining, shardId, attempt + 1);
  }

  async function iteratorFor(shardId: string): Promise<string | null> {
    if (iterators.has(shardId)) return iterators.get(shardId) ?? null;
    const after = checkpoints[shardId];
    const out = await opts.streamsClient.send(
      new GetShardIteratorCommand({
        StreamArn: opts.streamArn,
        ShardId: shardId,
        ...(after
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
          : { ShardIteratorType: opts.startingPosition }),
      }),
    );
    const it = out.ShardIterator ?? null;
    iterators.set(shardId, it);
    return it;
  }

  async function pollShard(shard: Shard): Promise<number> {
    const shardId = shard.ShardId ?? '';
    const iterator = await iteratorFor(shardId);
    if (!iterator) return 0;
    let out;
    try {
      out = await opts.streamsClient.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'ExpiredIteratorException' || name === 'TrimmedDataAccessException') {
        iterators.delete(shardId);
        return 0;
      }
      throw error;
    }
    iterators.set(shardId, out.NextShardIterator ?? null);
    const raw = out.Records ?? [];
    if (raw.length === 0) return 0;
    const all = raw.map((r) => toLambdaRecord(r, opts.streamArn, region));
    const selected = all.filter((r) => matches(r));
    for (let i = 0; i < selected.length && running; i += opts.batchSize) {
      await deliver(selected.slice(i, i + opts.batchSize), shardId);
    }
    if (!running) return raw.length;
    const lastSeq = all.at(-1)?.dynamodb?.SequenceNumber;
    if (lastSeq) {
      checkpoints[shardId] = lastSeq;
      saveCheckpoints(opts.checkpointFile, checkpoints);
    }
    return raw.length;
  }

  const loop = (async () => {
    while (running) {
      let seen = 0;
      try {
        const desc = await opts.streamsClient.send(new DescribeStreamCommand({ StreamArn: opts.streamArn }));
        const shards = desc.StreamDescription?.Shards ?? [];
        // Parents before children keeps the order of a key's changes across shard splits.
        const ordered = [...shards].sort((a, b) =>
          (a.SequenceNumberRange?.StartingSequenceNumber ?? '').localeCompare(
            b.SequenceNumberRange?.StartingSequenceNumber ?? '',
            undefined,
            { numeric: true },
          ),
        );
        for (const shard of ordered) {
          if (!running) break;
          seen += await pollShard(shard);
        }
      } catch (error) {
        if (running) log(`stream poll failed: ${(error as Error).message}`);
      }
      if (seen === 0) {
        const waiters = idleWaiters;
        idleWaiters = [];
        for (const w of waiters) w();
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, opts.pollIntervalMs ?? 200);
        });
        wake = null;
      }
    }
  })();

  return {
    stop: async () => {
      running = false;
      wake?.();
      await loop;
      for (const w of idleWaiters.splice(0)) w();
    },
    idle: () =>
      new Promise<void>((resolve) => {
        if (!running) return resolve();
        // Wait for a full pass that found nothing new, started after this call.
        idleWaiters.push(() => idleWaiters.push(resolve));
      }),
  };
}

/** The local on-failure destination: JSON lines in .local/dlq/<name>.jsonl. */
export function fileDeadLetterSink(dir: string, name: string) {
  const file = join(dir, `${name}.jsonl`);
  return {
    file,
    write: (record: unknown): void => {
      mkdirSync(dir, { recursive: true });
      appendFileSync(file, `${JSON.stringify(record)}\n`);
    },
    list: (): unknown[] =>
      existsSync(file)
        ? readFileSync(file, 'utf8')
            .split('\n')
            .filter((l) => l.trim() !== '')
            .map((l) => JSON.parse(l) as unknown)
        : [],
  };
}
