import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Payment } from '../domain/entities';
import { ConditionalWriteError } from '../errors';
import type { DocumentClient } from './dynamodb';
import { cancellationCodes, isConditionalCheckFailure } from './dynamodb';
import { keys } from './keys';

export type CreatePaymentResult = { created: true } | { created: false; existingPaymentId: string };

export interface PaymentRepository {
  get(id: string): Promise<Payment | null>;
  /** The payment currently holding a unit's rent period, if any. */
  getForPeriod(unitId: string, period: string): Promise<Payment | null>;
  /** Creates the payment and claims its unit+period, unless a pending or completed payment holds it. */
  create(payment: Payment): Promise<CreatePaymentResult>;
  /** Writes `next` if the stored payment still has `expectedVersion`; else ConditionalWriteError. */
  save(next: Payment, expectedVersion: number): Promise<void>;
  /** Pending payments, oldest first (GSI byStatus; only pending payments carry its keys). */
  listPending(limit: number): Promise<Payment[]>;
  /** Completed payments whose payout is not recorded, completed before `before`, oldest first. */
  listAwaitingPayout(before: string, limit: number): Promise<Payment[]>;
}

export const PAYMENTS_BY_STATUS_INDEX = 'byStatus';

function toItem(payment: Payment): Record<string, unknown> {
  return {
    ...payment,
    ...keys.payment(payment.id),
    // Sparse index entries: pending payments (to confirm), completed ones whose payout is not recorded yet.
    ...(payment.status === 'pending' ? keys.paymentStatusIndex('pending', payment.createdAt) : {}),
    ...(payment.status === 'completed' && !payment.payoutId
      ? keys.paymentStatusIndex('awaiting_payout', payment.completedAt ?? payment.updatedAt)
      : {}),
    entity: 'payment',
  };
}

function fromItem(item: Record<string, unknown> | undefined): Payment | null {
  if (!item) return null;
  const { pk: _pk, sk: _sk, entity: _e, gsi1pk: _g1, gsi1sk: _g2, expiresAt: legacy, ...rest } = item;
  // Items written before the order expiry was named orderExpiresAt hold it as an ISO string in expiresAt,
  // the table's TTL attribute (TTL ignores strings). Read either; the next save writes orderExpiresAt only.
  const orderExpiresAt = rest.orderExpiresAt ?? (typeof legacy === 'string' ? legacy : null);
  return { ...rest, orderExpiresAt } as unknown as Payment;
}

export class DynamoPaymentRepository implements PaymentRepository {
  public constructor(
    private readonly client: DocumentClient,
    private readonly tableName: string,
  ) {}

  public async get(id: string): Promise<Payment | null> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.payment(id), ConsistentRead: true }),
    );
    return fromItem(out.Item);
  }

  public async listPending(limit: number): Promise<Payment[]> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: PAYMENTS_BY_STATUS_INDEX,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': 'PAYMENT_STATUS#pending' },
        ScanIndexForward: true,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((item) => fromItem(item)).filter((p): p is Payment => p !== null);
  }

  public async listAwaitingPayout(before: string, limit: number): Promise<Payment[]> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: PAYMENTS_BY_STATUS_INDEX,
        KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk < :before',
        ExpressionAttributeValues: { ':pk': 'PAYMENT_STATUS#awaiting_payout', ':before': before },
        ScanIndexForward: true,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((item) => fromItem(item)).filter((p): p is Payment => p !== null);
  }

  public async getForPeriod(unitId: string, period: string): Promise<Payment | null> {
    const out = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.paymentPeriod(unitId, period),
        ConsistentRead: true,
      }),
    );
    const paymentId = out.Item?.paymentId as string | undefined;
    return paymentId ? this.get(paymentId) : null;
  }

  public async create(payment: Payment): Promise<CreatePaymentResult> {
    const period = keys.paymentPeriod(payment.unitId, payment.period);
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...period,
                  entity: 'payment_period',
                  paymentId: payment.id,
                  paymentStatus: payment.status,
                },
                // A failed or expired payment frees the period for a new one; pending and completed hold it.
                ConditionExpression: 'attribute_not_exists(pk) OR paymentStatus IN (:failed, :expired)',
                ExpressionAttributeValues: { ':failed': 'failed', ':expired': 'expired' },
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: toItem(payment),
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
      return { created: true };
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes && codes[0] === 'ConditionalCheckFailed') {
        const holder = await this.client.send(
          new GetCommand({ TableName: this.tableName, Key: period, ConsistentRead: true }),
        );
        const existingPaymentId = holder.Item?.paymentId as string | undefined;
        if (existingPaymentId) return { created: false, existingPaymentId };
      }
      throw error;
    }
  }

  public async save(next: Payment, expectedVersion: number): Promise<void> {
    const put = {
      TableName: this.tableName,
      Item: toItem({ ...next, version: expectedVersion + 1 }),
      ConditionExpression: 'version = :expected',
      ExpressionAttributeValues: { ':expected': expectedVersion },
    };
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: put },
            {
              // Keep the period claim's copy of the status in step, in the same transaction.
              Update: {
                TableName: this.tableName,
                Key: keys.paymentPeriod(next.unitId, next.period),
                UpdateExpression: 'SET paymentStatus = :status',
                ConditionExpression: 'paymentId = :id',
                ExpressionAttributeValues: { ':status': next.status, ':id': next.id },
              },
            },
          ],
        }),
      );
      return;
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes?.[0] === 'ConditionalCheckFailed') {
        throw new ConditionalWriteError(`Payment ${next.id} changed since version ${expectedVersion}`, {
          cause: error,
        });
      }
      if (codes?.[1] !== 'ConditionalCheckFailed') throw error;
    }
    // The period is claimed by a newer payment (this one had failed or expired and now changes again, e.g. a
    // late success): the claim is not this payment's to update, so write the payment alone.
    try {
      await this.client.send(new PutCommand(put));
    } catch (error) {
      if (isConditionalCheckFailure(error)) {
        throw new ConditionalWriteError(`Payment ${next.id} changed since version ${expectedVersion}`, {
          cause: error,
        });
      }
      throw error;
    }
  }
}
