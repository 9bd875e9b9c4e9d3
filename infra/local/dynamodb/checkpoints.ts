import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';

/**
 * Where a stream poller stands in each shard, kept in a JSON file so a restarted local stack resumes after
 * the last handled record instead of replaying the stream (which would re-run payouts' side effects).
 */

export class CheckpointFileError extends Error {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CheckpointFileError';
  }
}

export interface ShardCheckpoint {
  /** The last sequence number fully handled (delivered, filtered out, or sent to the on-failure destination). */
  sequenceNumber?: string;
  /** The shard is closed and read to its end. */
  finished?: boolean;
}

interface FileShape {
  version: 1;
  streamArn: string;
  shards: Record<string, ShardCheckpoint>;
}

/** Stream sequence numbers are decimal strings of up to 40 digits: compare them as integers, not as text. */
export function compareSequenceNumbers(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export class CheckpointStore {
  private readonly shards: Record<string, ShardCheckpoint>;
  /** Whether this stream had been read before (a checkpoint for it existed at start-up). */
  public readonly resumed: boolean;

  public constructor(
    private readonly file: string | undefined,
    private readonly streamArn: string,
    log: (message: string) => void,
  ) {
    const loaded = file ? CheckpointStore.load(file) : undefined;
    if (loaded && loaded.streamArn !== streamArn && loaded.streamArn !== '') {
      // The table was re-created (npm run reset, a changed stream view type): old positions mean nothing.
      log(`checkpoint ${file} is for ${loaded.streamArn}, not ${streamArn}: starting this stream afresh`);
      this.shards = {};
    } else {
      this.shards = loaded?.shards ?? {};
    }
    this.resumed = Object.keys(this.shards).length > 0;
  }

  private static load(file: string): FileShape | undefined {
    if (!existsSync(file)) return undefined;
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      // Guessing a position would either replay handled records or skip unhandled ones: ask a human.
      throw new CheckpointFileError(
        `stream checkpoint ${file} is unreadable; fix it, or delete it to re-read the stream from its start`,
        { cause: error },
      );
    }
    if (data !== null && typeof data === 'object' && 'shards' in data && 'streamArn' in data) {
      const shape = data as FileShape;
      for (const [shard, cp] of Object.entries(shape.shards ?? {})) {
        if (cp.sequenceNumber !== undefined && !/^\d+$/.test(cp.sequenceNumber)) {
          throw new CheckpointFileError(
            `stream checkpoint ${file}: shard ${shard} has a bad sequence number`,
          );
        }
      }
      return { version: 1, streamArn: String(shape.streamArn), shards: shape.shards ?? {} };
    }
    // The first format: { shardId: sequenceNumber }, stream unknown.
    if (
      data !== null &&
      typeof data === 'object' &&
      Object.values(data).every((v) => /^\d+$/.test(String(v)))
    ) {
      const shards: Record<string, ShardCheckpoint> = {};
      for (const [id, seq] of Object.entries(data)) shards[id] = { sequenceNumber: String(seq) };
      return { version: 1, streamArn: '', shards };
    }
    throw new CheckpointFileError(
      `stream checkpoint ${file} has an unknown format; delete it to start afresh`,
    );
  }

  public get(shardId: string): ShardCheckpoint | undefined {
    return this.shards[shardId];
  }

  /** Moves a shard's position forward (never back) and persists it. */
  public advance(shardId: string, sequenceNumber: string): void {
    if (!/^\d+$/.test(sequenceNumber)) return;
    const current = this.shards[shardId]?.sequenceNumber;
    if (current !== undefined && compareSequenceNumbers(sequenceNumber, current) <= 0) return;
    this.shards[shardId] = { ...this.shards[shardId], sequenceNumber };
    this.save();
  }

  public finish(shardId: string): void {
    if (this.shards[shardId]?.finished) return;
    this.shards[shardId] = { ...this.shards[shardId], finished: true };
    this.save();
  }

  /** Forgets a shard's position (its data was trimmed away). */
  public reset(shardId: string): void {
    delete this.shards[shardId];
    this.save();
  }

  private save(): void {
    if (!this.file) return;
    const body: FileShape = { version: 1, streamArn: this.streamArn, shards: this.shards };
    mkdirSync(dirname(this.file), { recursive: true });
    // Write, flush, then rename: a crash leaves either the old or the new checkpoint, never half of one.
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify(body));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
  }
}
