import { randomUUID } from 'node:crypto';
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type {
  AttributeValue,
  DynamoDBStreamsClient,
  Shard,
  _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { CheckpointStore, compareSequenceNumbers } from './checkpoints';
import { compileFilterCriteria } from './event-filter';

/**
 * Reads a DynamoDB Local stream and invokes a handler the way Lambda's DynamoDB event source mapping does:
 * - shards in lineage order (a child only after its parent is read to the end), records of a shard in order,
 *   one batch at a time;
 * - FilterCriteria applied before batching: records matching no filter are dropped and count as handled;
 * - a thrown error retries the batch up to maximumRetryAttempts (-1: forever), with
 *   bisectBatchOnFunctionError splitting a failed batch in halves first (splitting does not use up retries,
 *   as in AWS), then the on-failure destination gets an AWS-shaped record and the shard moves on;
 * - with reportBatchItemFailures, `{batchItemFailures: [{itemIdentifier}]}` checkpoints before the lowest
 *   failed sequence number and retries from there; an identifier that is empty or names no record of the
 *   batch fails the whole batch (AWS's rules);
 * - the checkpoint file keeps the last handled sequence number per shard, so a restart resumes after it.
 * Delivery is at least once, as in AWS: a crash between a handler's success and the checkpoint write
 * re-delivers that batch.
 */

export interface FailureRecord {
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded';
    approximateInvokeCount: number;
  };
  responseContext: { statusCode: number; executedVersion: string; functionError?: string };
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
  /** Not in AWS's record (there, the records must be read back from the stream): kept for local replay. */
  records: DynamoDBRecord[];
  /** Not in AWS's record: why the last attempt failed. */
  error: string;
}

export interface StreamPollerOptions {
  streamsClient: DynamoDBStreamsClient;
  streamArn: string;
  /** awsRegion of the records (DynamoDB Local says "ddblocal"). Default: AWS_REGION, else ap-south-1. */
  region?: string;
  /** Shown in on-failure records. */
  functionArn?: string;
  /** Exactly as in the template's AWS::Lambda::EventSourceMapping. */
  filterCriteria?: { Filters: { Pattern: string }[] };
  batchSize: number;
  /** -1 retries until the record is older than maximumRecordAgeInSeconds (forever when that is -1 too). */
  maximumRetryAttempts: number;
  /** -1 (default): no age limit. Ages use the stream's ApproximateCreationDateTime (minute precision). */
  maximumRecordAgeInSeconds?: number;
  bisectBatchOnFunctionError: boolean;
  reportBatchItemFailures: boolean;
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>;
  /** The on-failure destination. Retried until it succeeds: a record is only passed over once it is stored. */
  onFailure: (record: FailureRecord) => Promise<void> | void;
  /** Per-shard last handled sequence number; the poller resumes after it when restarted. */
  checkpointFile?: string;
  /** Pause between polls that found nothing. Default 200 ms. */
  pollIntervalMs?: number;
  /** First pause before retrying a failed batch; doubles per retry up to 2 s. Default 100 ms. */
  retryDelayMs?: number;
  log?: (message: string) => void;
}

export interface StreamPoller {
  /** Stops polling; an invocation in progress finishes first (its batch is checkpointed if it succeeded). */
  stop(): Promise<void>;
  /**
   * Resolves once a full poll that started after this call found nothing left to handle: everything in the
   * stream at the time of the call has been handled. Never resolves while a shard is stuck retrying a
   * batch; resolves at once after stop().
   */
  idle(): Promise<void>;
}

const MAX_RETRY_DELAY_MS = 2_000;
const GET_RECORDS_LIMIT = 1_000;
/**
 * How long a shard listing is reused. A stream only gains a shard when its open shard closes, which the poll
 * sees (the shard reads to its end) and answers with a fresh listing at once; the periodic listing is a
 * safety net. Listing on every poll doubled the calls DynamoDB Local served while idle.
 */
const SHARD_LISTING_TTL_MS = 5_000;

/** Lambda's JSON for binary attributes is base64; the SDK hands out Uint8Array. */
function toLambdaAttribute(value: AttributeValue): Record<string, unknown> {
  const v = value as unknown as Record<string, unknown>;
  if (v.B instanceof Uint8Array) return { B: Buffer.from(v.B).toString('base64') };
  if (Array.isArray(v.BS)) return { BS: v.BS.map((b: Uint8Array) => Buffer.from(b).toString('base64')) };
  if (Array.isArray(v.L)) return { L: v.L.map((x: AttributeValue) => toLambdaAttribute(x)) };
  if (v.M && typeof v.M === 'object') return { M: toLambdaImage(v.M as Record<string, AttributeValue>) };
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== undefined && k !== '$unknown') out[k] = x;
  return out;
}

function toLambdaImage(image: Record<string, AttributeValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(image)) out[name] = toLambdaAttribute(value);
  return out;
}

/** One DynamoDB Streams record in the shape Lambda hands to a function. */
export function toLambdaRecord(r: StreamRecord, streamArn: string, region: string): DynamoDBRecord {
  const d = r.dynamodb ?? {};
  const created = d.ApproximateCreationDateTime;
  const image = (i?: Record<string, AttributeValue>) => (i ? (toLambdaImage(i) as never) : undefined);
  const dynamodb: NonNullable<DynamoDBRecord['dynamodb']> = {};
  if (created) dynamodb.ApproximateCreationDateTime = Math.floor(new Date(created).getTime() / 1000);
  if (d.Keys) dynamodb.Keys = image(d.Keys);
  if (d.NewImage) dynamodb.NewImage = image(d.NewImage);
  if (d.OldImage) dynamodb.OldImage = image(d.OldImage);
  if (d.SequenceNumber) dynamodb.SequenceNumber = d.SequenceNumber;
  if (d.SizeBytes !== undefined) dynamodb.SizeBytes = d.SizeBytes;
  if (d.StreamViewType) dynamodb.StreamViewType = d.StreamViewType;
  return {
    ...(r.eventID ? { eventID: r.eventID } : {}),
    ...(r.eventName ? { eventName: r.eventName } : {}),
    eventVersion: r.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    dynamodb,
    eventSourceARN: streamArn,
    ...(r.userIdentity?.Type
      ? { userIdentity: { type: r.userIdentity.Type, principalId: r.userIdentity.PrincipalId ?? '' } }
      : {}),
  };
}

const seqOf = (r: DynamoDBRecord | undefined) => r?.dynamodb?.SequenceNumber ?? '';
const errorText = (e: unknown) =>
  e instanceof Error ? `${e.name}: ${e.message}` : typeof e === 'string' ? e : JSON.stringify(e);
const errorName = (e: unknown) => (e as { name?: string } | null)?.name ?? '';

type Outcome = { ok: true } | { ok: false; from: number; error: string; thrown: boolean };

interface ShardState {
  /** undefined: derive from the checkpoint on the next read. null: read to its end. */
  iterator?: string | null;
}

export function startStreamPoller(opts: StreamPollerOptions): StreamPoller {
  if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) throw new RangeError('batchSize must be >= 1');
  const region = opts.region ?? process.env.AWS_REGION ?? 'ap-south-1';
  const matches = compileFilterCriteria(opts.filterCriteria);
  const log = opts.log ?? (() => undefined);
  const checkpoints = new CheckpointStore(opts.checkpointFile, opts.streamArn, log);
  const maxRetries = opts.maximumRetryAttempts < 0 ? Number.POSITIVE_INFINITY : opts.maximumRetryAttempts;
  const maxAgeMs =
    opts.maximumRecordAgeInSeconds === undefined || opts.maximumRecordAgeInSeconds < 0
      ? Number.POSITIVE_INFINITY
      : opts.maximumRecordAgeInSeconds * 1000;
  const functionArn = opts.functionArn ?? 'arn:aws:lambda:local:000000000000:function:local';
  const shards = new Map<string, ShardState>();
  /** Shards open at the first listing: the only ones LATEST applies to (later ones start at their start). */
  let firstListing: Set<string> | null = null;

  let running = true;
  let passesStarted = 0;
  let idleWaiters: { after: number; resolve: () => void }[] = [];
  let wake: (() => void) | null = null;
  let lastError = '';

  /** A pause that stop() cuts short. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        if (wake === done) wake = null;
        resolve();
      }
      wake = done;
    });
  const retryDelay = (attempt: number) =>
    Math.min(MAX_RETRY_DELAY_MS, (opts.retryDelayMs ?? 100) * 2 ** Math.min(attempt, 20));

  async function invoke(records: DynamoDBRecord[]): Promise<Outcome> {
    let response: DynamoDBBatchResponse | void;
    try {
      // A copy per invocation: a handler that mutates its event must not change what a retry sees.
      response = await opts.handler({ Records: structuredClone(records) });
    } catch (error) {
      return { ok: false, from: 0, error: errorText(error), thrown: true };
    }
    if (!opts.reportBatchItemFailures || response === undefined || response === null) return { ok: true };
    if (typeof response !== 'object') {
      return { ok: false, from: 0, error: `unreadable response ${JSON.stringify(response)}`, thrown: false };
    }
    const failures: unknown = (response as { batchItemFailures?: unknown }).batchItemFailures;
    if (failures === undefined || failures === null) return { ok: true };
    if (!Array.isArray(failures)) {
      return { ok: false, from: 0, error: 'batchItemFailures is not a list', thrown: false };
    }
    if (failures.length === 0) return { ok: true };
    const index = new Map(records.map((r, i) => [seqOf(r), i]));
    let from = records.length;
    for (const f of failures) {
      const id: unknown = (f as { itemIdentifier?: unknown } | null)?.itemIdentifier;
      const at = typeof id === 'string' && id !== '' ? index.get(id) : undefined;
      if (at === undefined) {
        return {
          ok: false,
          from: 0,
          error: `batchItemFailures names ${JSON.stringify(id)}, no record of this batch: whole batch failed`,
          thrown: false,
        };
      }
      from = Math.min(from, at);
    }
    return { ok: false, from, error: `${failures.length} record(s) reported as failed`, thrown: false };
  }

  /** Hands records to the on-failure destination; false only when stopped before it succeeded. */
  async function giveUp(
    records: DynamoDBRecord[],
    shardId: string,
    condition: FailureRecord['requestContext']['condition'],
    invokeCount: number,
    error: string,
    thrown: boolean,
  ): Promise<boolean> {
    const first = records[0];
    const last = records.at(-1);
    const arrival = (r?: DynamoDBRecord) =>
      new Date((r?.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000).toISOString();
    const record: FailureRecord = {
      requestContext: {
        requestId: randomUUID(),
        functionArn,
        condition,
        approximateInvokeCount: invokeCount,
      },
      responseContext: {
        statusCode: 200,
        executedVersion: '$LATEST',
        ...(thrown ? { functionError: 'Unhandled' } : {}),
      },
      version: '1.0',
      timestamp: new Date().toISOString(),
      DDBStreamBatchInfo: {
        shardId,
        startSequenceNumber: seqOf(first),
        endSequenceNumber: seqOf(last),
        approximateArrivalOfFirstRecord: arrival(first),
        approximateArrivalOfLastRecord: arrival(last),
        batchSize: records.length,
        streamArn: opts.streamArn,
      },
      records: structuredClone(records),
      error,
    };
    log(
      `giving up on ${records.length} record(s) ${seqOf(first)}..${seqOf(last)} of ${shardId} ` +
        `(${condition}, ${invokeCount} invocation(s)): ${error}`,
    );
    for (let attempt = 0; ; attempt += 1) {
      try {
        await opts.onFailure(record);
        return true;
      } catch (e) {
        // Moving on without the record stored anywhere would lose it: hold the shard until it is stored.
        log(`on-failure destination failed, retrying: ${errorText(e)}`);
        if (!running) return false;
        await pause(retryDelay(attempt));
        if (!running) return false;
      }
    }
  }

  /**
   * Delivers records in order with Lambda's retry rules, checkpointing as records are handled. Returns
   * false when stopped part-way (the rest stays unhandled and is read again after a restart).
   */
  async function deliver(records: DynamoDBRecord[], shardId: string): Promise<boolean> {
    let current = records;
    let retries = 0;
    for (;;) {
      if (!running) return false;
      const oldest = Date.now() - maxAgeMs;
      const born = (r: DynamoDBRecord) => (r.dynamodb?.ApproximateCreationDateTime ?? Infinity) * 1000;
      // Records of a shard are in time order, so the too-old ones are a prefix.
      const fresh = current.findIndex((r) => born(r) >= oldest);
      const cut = fresh < 0 ? current.length : fresh;
      if (cut > 0) {
        const old = current.slice(0, cut);
        if (
          !(await giveUp(
            old,
            shardId,
            'RecordAgeExceeded',
            retries,
            'record older than the maximum age',
            false,
          ))
        )
          return false;
        checkpoints.advance(shardId, seqOf(old.at(-1)));
        current = current.slice(cut);
        if (current.length === 0) return true;
      }

      const outcome = await invoke(current);
      if (outcome.ok) {
        checkpoints.advance(shardId, seqOf(current.at(-1)));
        return true;
      }
      if (outcome.from > 0) checkpoints.advance(shardId, seqOf(current[outcome.from - 1]));
      const remaining = current.slice(outcome.from);
      log(`batch of ${current.length} failed from record ${outcome.from + 1}: ${outcome.error}`);

      if (opts.bisectBatchOnFunctionError && outcome.from > 0) {
        // Split at the reported record: only the rest is retried, as a new batch.
        current = remaining;
        retries = 0;
        continue;
      }
      if (opts.bisectBatchOnFunctionError && remaining.length > 1) {
        const half = Math.ceil(remaining.length / 2);
        if (!(await deliver(remaining.slice(0, half), shardId))) return false;
        return deliver(remaining.slice(half), shardId);
      }
      if (retries >= maxRetries) {
        if (
          !(await giveUp(
            remaining,
            shardId,
            'RetryAttemptsExhausted',
            retries + 1,
            outcome.error,
            outcome.thrown,
          ))
        )
          return false;
        checkpoints.advance(shardId, seqOf(remaining.at(-1)));
        return true;
      }
      await pause(retryDelay(retries));
      retries += 1;
      current = remaining;
    }
  }

  async function iteratorFor(shard: Shard): Promise<string | null> {
    const shardId = shard.ShardId ?? '';
    const cp = checkpoints.get(shardId);
    if (cp?.finished) return null;
    const ending = shard.SequenceNumberRange?.EndingSequenceNumber;
    if (cp?.sequenceNumber && ending && compareSequenceNumbers(cp.sequenceNumber, ending) >= 0) {
      checkpoints.finish(shardId);
      return null;
    }
    // LATEST applies to a stream read for the first time, and only to the shards present then: shards that
    // appear later hold records written after the start, which must not be skipped.
    const latest =
      opts.startingPosition === 'LATEST' &&
      !checkpoints.resumed &&
      !cp &&
      (firstListing?.has(shardId) ?? false);
    if (latest && ending) {
      // Closed before this poller first looked: all of it is older than LATEST.
      checkpoints.finish(shardId);
      return null;
    }
    const position = cp?.sequenceNumber
      ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' as const, SequenceNumber: cp.sequenceNumber }
      : { ShardIteratorType: latest ? ('LATEST' as const) : ('TRIM_HORIZON' as const) };
    try {
      const out = await opts.streamsClient.send(
        new GetShardIteratorCommand({ StreamArn: opts.streamArn, ShardId: shardId, ...position }),
      );
      return out.ShardIterator ?? null;
    } catch (error) {
      if (errorName(error) === 'TrimmedDataAccessException' && cp?.sequenceNumber) {
        log(
          `records after ${cp.sequenceNumber} in ${shardId} were trimmed before being handled: they are lost`,
        );
        checkpoints.reset(shardId);
        return iteratorFor(shard);
      }
      if (errorName(error) === 'ResourceNotFoundException') {
        log(`shard ${shardId} no longer exists; skipping it`);
        checkpoints.finish(shardId);
        return null;
      }
      throw error;
    }
  }

  /** Reads one page of a shard and handles it. Returns the number of records read. */
  async function pollShard(shard: Shard): Promise<number> {
    const shardId = shard.ShardId ?? '';
    let state = shards.get(shardId);
    if (!state) {
      state = {};
      shards.set(shardId, state);
    }
    if (state.iterator === undefined) state.iterator = await iteratorFor(shard);
    if (state.iterator === null) return 0;
    let out;
    try {
      out = await opts.streamsClient.send(
        new GetRecordsCommand({ ShardIterator: state.iterator, Limit: GET_RECORDS_LIMIT }),
      );
    } catch (error) {
      if (
        errorName(error) === 'ExpiredIteratorException' ||
        errorName(error) === 'TrimmedDataAccessException'
      ) {
        // Start again from the checkpoint (iteratorFor handles trimmed positions).
        state.iterator = undefined;
        return 1;
      }
      throw error;
    }
    const raw = out.Records ?? [];
    const next = out.NextShardIterator ?? null;
    // Until this page is handled, a failure must re-read it from the checkpoint.
    state.iterator = undefined;
    const all = raw.map((r) => toLambdaRecord(r, opts.streamArn, region));
    let i = 0;
    while (i < all.length) {
      const batch: DynamoDBRecord[] = [];
      let j = i;
      for (; j < all.length && batch.length < opts.batchSize; j += 1) {
        const record = all[j] as DynamoDBRecord;
        if (matches(record)) batch.push(record);
      }
      if (batch.length > 0 && !(await deliver(batch, shardId))) return all.length;
      // Everything up to j-1 is delivered or filtered out.
      checkpoints.advance(shardId, seqOf(all[j - 1]));
      i = j;
    }
    state.iterator = next;
    if (next === null) {
      log(`shard ${shardId} is closed and read to its end`);
      checkpoints.finish(shardId);
      // Its child shard (if any) is in the next listing.
      listing = null;
    }
    return all.length;
  }

  async function listShards(): Promise<Shard[]> {
    const listed: Shard[] = [];
    let start: string | undefined;
    do {
      const out = await opts.streamsClient.send(
        new DescribeStreamCommand({
          StreamArn: opts.streamArn,
          ...(start ? { ExclusiveStartShardId: start } : {}),
        }),
      );
      listed.push(...(out.StreamDescription?.Shards ?? []));
      start = out.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    return listed.sort((a, b) =>
      compareSequenceNumbers(
        a.SequenceNumberRange?.StartingSequenceNumber ?? '0',
        b.SequenceNumberRange?.StartingSequenceNumber ?? '0',
      ),
    );
  }

  let listing: { shards: Shard[]; at: number } | null = null;
  async function currentShards(): Promise<Shard[]> {
    if (listing && Date.now() - listing.at < SHARD_LISTING_TTL_MS) return listing.shards;
    listing = { shards: await listShards(), at: Date.now() };
    return listing.shards;
  }

  async function pass(): Promise<{ read: number; clean: boolean }> {
    let read = 0;
    try {
      const listed = await currentShards();
      firstListing ??= new Set(listed.map((s) => s.ShardId ?? ''));
      const ids = new Set(listed.map((s) => s.ShardId));
      for (const shard of listed) {
        if (!running) break;
        const parent = shard.ParentShardId;
        // A child waits for its parent to be read to the end, so a key's changes stay in order.
        const parentDone =
          !parent ||
          !ids.has(parent) ||
          checkpoints.get(parent)?.finished ||
          shards.get(parent)?.iterator === null;
        if (!parentDone) continue;
        read += await pollShard(shard);
      }
      lastError = '';
      return { read, clean: true };
    } catch (error) {
      listing = null;
      const text = errorText(error);
      if (running && text !== lastError) log(`stream poll failed (will retry): ${text}`);
      lastError = text;
      return { read, clean: false };
    }
  }

  const loop = (async () => {
    while (running) {
      passesStarted += 1;
      const thisPass = passesStarted;
      const { read, clean } = await pass();
      if (read === 0 && clean) {
        const ready = idleWaiters.filter((w) => w.after < thisPass);
        idleWaiters = idleWaiters.filter((w) => w.after >= thisPass);
        for (const w of ready) w.resolve();
      }
      if (read === 0 && running) await pause(opts.pollIntervalMs ?? 200);
    }
  })();

  return {
    stop: async () => {
      running = false;
      wake?.();
      await loop;
      for (const w of idleWaiters.splice(0)) w.resolve();
    },
    idle: () =>
      new Promise<void>((resolve) => {
        if (!running) return resolve();
        idleWaiters.push({ after: passesStarted, resolve });
      }),
  };
}
