import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { OwnerPayout } from '../domain/entities';
import { isWatched } from '../domain/payout-watch';
import { ConditionalWriteError } from '../errors';
import { recordPayoutWrite } from '../metrics';
import type { DocumentClient } from './dynamodb';
import { cancellationCodes, isConditionalCheckFailure } from './dynamodb';
import { keys, WATCH_SHARDS } from './keys';

export type CreatePayoutResult =
  | { created: true; payout: OwnerPayout }
  /** This payment's payout already exists. */
  | { created: false; payout: OwnerPayout }
  /** Another payment's payout already pays this unit and period: this payment is a duplicate. */
  | { created: false; payout: null; periodPaidBy: { paymentId: string; payoutId: string } };

export interface PayoutRepository {
  get(id: string): Promise<OwnerPayout | null>;
  getByPaymentId(paymentId: string): Promise<OwnerPayout | null>;
  /**
   * One payout per payment (invariant 1) and one per unit and rent period: a second create for the payment
   * returns its payout; a create for another payment of a period already paid out creates nothing and says
   * which payment holds it.
   */
  createForPayment(payout: OwnerPayout): Promise<CreatePayoutResult>;
  /**
   * Writes `next` only if the stored payout still has `expected.version` and `expected.status`
   * (invariant 3); otherwise ConditionalWriteError and nothing changes.
   */
  save(next: OwnerPayout, expected: ExpectedPayout): Promise<OwnerPayout>;
  /**
   * Ids of watched payouts whose watch mark is before `before` (ISO), oldest first, at most `limitPerShard` from
   * each shard of the watch index. Eventually consistent: read each payout again before acting on it.
   */
  listWatchedBefore(before: string, limitPerShard: number): Promise<string[]>;
  /**
   * Moves the payout's watch mark (null: stop watching it) if it is still at `expected.version`, without
   * changing the version (the workflow's conditional writes are not disturbed). False when it had changed: its
   * save then marked it afresh.
   */
  setWatchMark(expected: Pick<OwnerPayout, 'id' | 'version'>, mark: string | null): Promise<boolean>;
}

/** What a save is conditional on; callers pass the payout they read, whose flags the metrics compare. */
export type ExpectedPayout = Pick<OwnerPayout, 'version' | 'status'> &
  Partial<Pick<OwnerPayout, 'needsAttention'>>;

function toItem(payout: OwnerPayout): Record<string, unknown> {
  return {
    ...payout,
    ...keys.payout(payout.id),
    ...keys.payoutIndexes(payout),
    // Every save marks a watched payout with its change time: the reconciler looks once it is that old.
    ...(isWatched(payout) ? keys.payoutWatch(payout.id, payout.updatedAt) : {}),
    entity: 'payout',
  };
}

/** A stored payout item without its keys. */
export function payoutFromItem(item: Record<string, unknown> | undefined): OwnerPayout | null {
  if (!item) return null;
  const {
    pk: _pk,
    sk: _sk,
    entity: _e,
    gsi1pk: _a,
    gsi1sk: _b,
    gsi2pk: _c,
    gsi2sk: _d,
    gsi3pk: _e3,
    gsi3sk: _f,
    gsi4pk: _g,
    gsi4sk: _h,
    gsi5pk: _i,
    gsi5sk: _j,
    gsi6pk: _k,
    gsi6sk: _l,
    ...rest
  } = item;
  return rest as unknown as OwnerPayout;
}

export class DynamoPayoutRepository implements PayoutRepository {
  public constructor(
    private readonly client: DocumentClient,
    private readonly tableName: string,
  ) {}

  public async get(id: string): Promise<OwnerPayout | null> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.payout(id), ConsistentRead: true }),
    );
    return payoutFromItem(out.Item);
  }

  public async getByPaymentId(paymentId: string): Promise<OwnerPayout | null> {
    const out = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.payoutOfPayment(paymentId),
        ConsistentRead: true,
      }),
    );
    const payoutId = out.Item?.payoutId as string | undefined;
    return payoutId ? this.get(payoutId) : null;
  }

  public async createForPayment(payout: OwnerPayout): Promise<CreatePayoutResult> {
    const periodKey = keys.payoutOfPeriod(payout.unitId, payout.period);
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...keys.payoutOfPayment(payout.paymentId),
                  entity: 'payout_of_payment',
                  payoutId: payout.id,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              // The owner is paid once per unit and period, however many payments completed for it.
              Put: {
                TableName: this.tableName,
                Item: {
                  ...periodKey,
                  entity: 'payout_of_period',
                  payoutId: payout.id,
                  paymentId: payout.paymentId,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: toItem(payout),
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
      return { created: true, payout };
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes?.[0] === 'ConditionalCheckFailed') {
        const existing = await this.getByPaymentId(payout.paymentId);
        if (existing) return { created: false, payout: existing };
      }
      if (codes?.[1] === 'ConditionalCheckFailed') {
        const holder = await this.client.send(
          new GetCommand({ TableName: this.tableName, Key: periodKey, ConsistentRead: true }),
        );
        const paymentId = holder.Item?.paymentId as string | undefined;
        const payoutId = holder.Item?.payoutId as string | undefined;
        if (paymentId && payoutId)
          return { created: false, payout: null, periodPaidBy: { paymentId, payoutId } };
      }
      throw error;
    }
  }

  public async listWatchedBefore(before: string, limitPerShard: number): Promise<string[]> {
    const pages = await Promise.all(
      Array.from({ length: WATCH_SHARDS }, (_, shard) =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: 'byWatch',
            KeyConditionExpression: 'gsi5pk = :pk AND gsi5sk < :before',
            ExpressionAttributeValues: { ':pk': keys.payoutWatchShard(shard), ':before': before },
            Limit: limitPerShard,
          }),
        ),
      ),
    );
    return pages
      .flatMap((page) => page.Items ?? [])
      .sort((a, b) => String(a.gsi5sk).localeCompare(String(b.gsi5sk)))
      .map((item) => String(item.pk).replace(/^PAYOUT#/, ''));
  }

  public async setWatchMark(
    expected: Pick<OwnerPayout, 'id' | 'version'>,
    mark: string | null,
  ): Promise<boolean> {
    const watch = mark === null ? null : keys.payoutWatch(expected.id, mark);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.payout(expected.id),
          UpdateExpression: watch ? 'SET gsi5pk = :pk, gsi5sk = :sk' : 'REMOVE gsi5pk, gsi5sk',
          ConditionExpression: 'version = :version',
          ExpressionAttributeValues: {
            ':version': expected.version,
            ...(watch ? { ':pk': watch.gsi5pk, ':sk': watch.gsi5sk } : {}),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailure(error)) return false;
      throw error;
    }
  }

  public async save(next: OwnerPayout, expected: ExpectedPayout): Promise<OwnerPayout> {
    const stored = { ...next, version: expected.version + 1 };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(stored),
          ConditionExpression: 'version = :version AND #status = :status',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':version': expected.version, ':status': expected.status },
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailure(error)) {
        throw new ConditionalWriteError(
          `Payout ${next.id} is no longer ${expected.status} at version ${expected.version}`,
          { cause: error },
        );
      }
      throw error;
    }
    // After the conditional write: a transition counts once, whoever made it.
    recordPayoutWrite(expected, stored);
    return stored;
  }
}
