import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
} from 'node:fs';
import { writeSync } from 'node:fs';
import { basename, join } from 'node:path';

/**
 * The local stand-in for an on-failure destination (an SQS queue or SNS topic in AWS): one JSON object per
 * line in `<dir>/<name>.jsonl`. Each line is flushed to disk before write() returns, because a record that
 * reaches this file has been given up on by the stream poller and exists nowhere else.
 */

export class DeadLetterFileError extends Error {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeadLetterFileError';
  }
}

export interface DeadLetterSink {
  file: string;
  /** Appends one record; usable directly as a stream poller's onFailure. */
  write(record: unknown): Promise<void>;
  /** Every record written so far, oldest first. */
  list(): unknown[];
}

export function fileDeadLetterSink(dir: string, name: string): DeadLetterSink {
  if (!name || basename(name) !== name || name.startsWith('.')) {
    throw new DeadLetterFileError(`dead-letter name "${name}" must be a plain file name`);
  }
  const file = join(dir, `${name}.jsonl`);
  return {
    file,
    write: async (record: unknown) => {
      const line = JSON.stringify(record);
      if (line === undefined) throw new DeadLetterFileError('a dead-letter record must be JSON-serializable');
      mkdirSync(dir, { recursive: true });
      const fd = openSync(file, 'a+');
      try {
        // A crash mid-write can leave a line without its newline; never glue the next record onto it.
        const size = fstatSync(fd).size;
        let prefix = '';
        if (size > 0) {
          const last = Buffer.alloc(1);
          readSync(fd, last, 0, 1, size - 1);
          if (last[0] !== 0x0a) prefix = '\n';
        }
        writeSync(fd, `${prefix}${line}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    },
    list: () => {
      if (!existsSync(file)) return [];
      const out: unknown[] = [];
      for (const text of readFileSync(file, 'utf8').split('\n')) {
        if (text.trim() === '') continue;
        try {
          out.push(JSON.parse(text) as unknown);
        } catch {
          // Only a crash inside write() leaves a partial line, and that write never returned, so the poller
          // kept the record and writes it again: the fragment carries nothing to keep.
        }
      }
      return out;
    },
  };
}
