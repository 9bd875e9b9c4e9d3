import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { DocumentClient } from './dynamodb';
import { keys } from './keys';

/** The payments table's overloaded GSI (keys.ts lists its partitions). */
export const PAYMENTS_BY_STATUS_INDEX = 'byStatus';

/**
 * A place in one partition of the byStatus index: the keys of an item read there. Queries resume after it
 * whether or not the item is still in the index (DynamoDB only compares keys).
 */
export interface IndexPosition {
  gsi1sk: string;
  pk: string;
  sk: string;
}

export const indexPositionSchema = z.strictObject({
  gsi1sk: z.string().min(1).max(64),
  pk: z.string().min(1).max(128),
  sk: z.string().min(1).max(64),
});

export function positionOf(item: Record<string, unknown>): IndexPosition {
  return { gsi1sk: String(item.gsi1sk), pk: String(item.pk), sk: String(item.sk) };
}

export interface IndexPage {
  items: Record<string, unknown>[];
  /** Where to go on from, or null when the partition has nothing after this page. */
  next: IndexPosition | null;
}

/** One page of a byStatus partition, oldest first, after `after`; `before` bounds the sort key. */
export async function queryStatusIndex(
  client: DocumentClient,
  tableName: string,
  q: { partition: string; after: IndexPosition | null; limit: number; before?: string },
): Promise<IndexPage> {
  const out = await client.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: PAYMENTS_BY_STATUS_INDEX,
      KeyConditionExpression: q.before ? 'gsi1pk = :pk AND gsi1sk < :before' : 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': q.partition, ...(q.before ? { ':before': q.before } : {}) },
      ScanIndexForward: true,
      Limit: q.limit,
      ...(q.after ? { ExclusiveStartKey: { gsi1pk: q.partition, ...q.after } } : {}),
    }),
  );
  const last = out.LastEvaluatedKey;
  return { items: out.Items ?? [], next: last ? positionOf(last) : null };
}

/** Where each reconciler pass stopped, so the next run goes on from there (docs/payments.md). */
export interface ReconcilerPositions {
  get(pass: string): Promise<IndexPosition | null>;
  /** null: the pass reached the end and starts from the beginning next time. */
  set(pass: string, position: IndexPosition | null): Promise<void>;
}

export class DynamoReconcilerPositions implements ReconcilerPositions {
  public constructor(
    private readonly client: DocumentClient,
    private readonly tableName: string,
  ) {}

  public async get(pass: string): Promise<IndexPosition | null> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.reconcilerPosition(pass), ConsistentRead: true }),
    );
    // A position that does not read back (an older shape) restarts the pass from the beginning.
    const parsed = indexPositionSchema.safeParse(out.Item?.position);
    return parsed.success ? parsed.data : null;
  }

  public async set(pass: string, position: IndexPosition | null): Promise<void> {
    if (!position) {
      await this.client.send(
        new DeleteCommand({ TableName: this.tableName, Key: keys.reconcilerPosition(pass) }),
      );
      return;
    }
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.reconcilerPosition(pass), entity: 'reconciler_position', position },
      }),
    );
  }
}
