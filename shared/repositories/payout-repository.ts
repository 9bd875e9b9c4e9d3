import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { OwnerPayout } from '../domain/entities';
import { ConditionalWriteError } from '../errors';
import type { DocumentClient } from './dynamodb';
import { cancellationCodes, isConditionalCheckFailure } from './dynamodb';
import { keys } from './keys';

export type CreatePayoutResult =
  { created: true; payout: OwnerPayout } | { created: false; payout: OwnerPayout };

export interface PayoutRepository {
  get(id: string): Promise<OwnerPayout | null>;
  getByPaymentId(paymentId: string): Promise<OwnerPayout | null>;
  /** One payout per payment (invariant 1): a second create returns the existing payout. */
  createForPayment(payout: OwnerPayout): Promise<CreatePayoutResult>;
  /**
   * Writes `next` only if the stored payout still has `expected.version` and `expected.status`
   * (invariant 3); otherwise ConditionalWriteError and nothing changes.
   */
  save(next: OwnerPayout, expected: Pick<OwnerPayout, 'version' | 'status'>): Promise<OwnerPayout>;
}

function toItem(payout: OwnerPayout): Record<string, unknown> {
  return { ...payout, ...keys.payout(payout.id), ...keys.payoutIndexes(payout), entity: 'payout' };
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
      throw error;
    }
  }

  public async save(
    next: OwnerPayout,
    expected: Pick<OwnerPayout, 'version' | 'status'>,
  ): Promise<OwnerPayout> {
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
      return stored;
    } catch (error) {
      if (isConditionalCheckFailure(error)) {
        throw new ConditionalWriteError(
          `Payout ${next.id} is no longer ${expected.status} at version ${expected.version}`,
          { cause: error },
        );
      }
      throw error;
    }
  }
}
