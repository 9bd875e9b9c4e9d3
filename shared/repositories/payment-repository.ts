import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Payment } from '../domain/entities';
import { ConditionalWriteError } from '../errors';
import type { OperatorFlag } from '../payments/payment-flags';
import { openFlag, PaymentFlags } from '../payments/payment-flags';
import type { DocumentClient } from './dynamodb';
import { cancellationCodes, isConditionalCheckFailure } from './dynamodb';
import type { IndexPosition } from './index-page';
import { PAYMENTS_BY_STATUS_INDEX, positionOf, queryStatusIndex } from './index-page';
import { keys } from './keys';

/** A completion lost its unit and period to another completed payment (it is a duplicate: re-read, decide). */
export class PeriodAlreadyPaidError extends ConditionalWriteError {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PeriodAlreadyPaidError';
  }
}

export interface PaymentPage {
  entries: { payment: Payment; position: IndexPosition }[];
  /** Where the next page starts, or null at the end of the partition. */
  next: IndexPosition | null;
}

export type CreatePaymentResult = { created: true } | { created: false; existingPaymentId: string };

export interface PaymentRepository {
  get(id: string): Promise<Payment | null>;
  /** The payment currently holding a unit's rent period, if any. */
  getForPeriod(unitId: string, period: string): Promise<Payment | null>;
  /** Creates the payment and claims its unit+period, unless a pending or completed payment holds it. */
  create(payment: Payment): Promise<CreatePaymentResult>;
  /**
   * Writes `next` if the stored payment still has `expectedVersion`; else ConditionalWriteError. The period
   * claim follows the payment that holds it; a payment that completes (and is not flagged a duplicate) takes
   * the claim from a payment that has not completed, and gets PeriodAlreadyPaidError if another completed
   * payment holds it. So the claim always names the one payment that paid the period, once one has.
   */
  save(next: Payment, expectedVersion: number): Promise<void>;
  /** Pending payments waiting on PhonePe, oldest first, after `after` (GSI byStatus). */
  pagePending(after: IndexPosition | null, limit: number): Promise<PaymentPage>;
  /** Payments waiting on an operator for `flag`, oldest first, after `after` (GSI byStatus). */
  pageFlagged(flag: OperatorFlag, after: IndexPosition | null, limit: number): Promise<PaymentPage>;
  /** Completed payments whose payout is not recorded, completed before `before`, oldest first. */
  listAwaitingPayout(before: string, limit: number): Promise<Payment[]>;
}

/**
 * The payment's sparse entry in the byStatus index, at most one: waiting on an operator (an open flag),
 * pending (to confirm with PhonePe), or completed with no payout recorded yet (a duplicate never gets one).
 */
function statusIndexKeys(payment: Payment): Record<string, string> {
  const flag = openFlag(payment);
  if (flag) return keys.paymentFlagIndex(flag, payment.createdAt);
  if (payment.status === 'pending') return keys.paymentStatusIndex('pending', payment.createdAt);
  if (
    payment.status === 'completed' &&
    !payment.payoutId &&
    !payment.flags.includes(PaymentFlags.duplicatePayment)
  )
    return keys.paymentStatusIndex('awaiting_payout', payment.completedAt ?? payment.updatedAt);
  return {};
}

function toItem(payment: Payment): Record<string, unknown> {
  return { ...payment, ...keys.payment(payment.id), ...statusIndexKeys(payment), entity: 'payment' };
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

  private async page(partition: string, after: IndexPosition | null, limit: number): Promise<PaymentPage> {
    const page = await queryStatusIndex(this.client, this.tableName, { partition, after, limit });
    const entries = page.items.flatMap((item) => {
      const payment = fromItem(item);
      return payment ? [{ payment, position: positionOf(item) }] : [];
    });
    return { entries, next: page.next };
  }

  public async pagePending(after: IndexPosition | null, limit: number): Promise<PaymentPage> {
    return this.page(keys.paymentStatusIndex('pending', '').gsi1pk, after, limit);
  }

  public async pageFlagged(
    flag: OperatorFlag,
    after: IndexPosition | null,
    limit: number,
  ): Promise<PaymentPage> {
    return this.page(keys.paymentFlagIndex(flag, '').gsi1pk, after, limit);
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
    const claimsPeriod = next.status === 'completed' && !next.flags.includes(PaymentFlags.duplicatePayment);
    // Keep the period claim in step, in the same transaction. A completion takes the claim unless another
    // completed payment holds it (a missing claim is written): the claim names the payment that paid.
    const claim = claimsPeriod
      ? {
          UpdateExpression: 'SET paymentId = :id, paymentStatus = :status',
          ConditionExpression: 'attribute_not_exists(pk) OR paymentId = :id OR paymentStatus <> :status',
          ExpressionAttributeValues: { ':status': next.status, ':id': next.id },
        }
      : {
          UpdateExpression: 'SET paymentStatus = :status',
          ConditionExpression: 'paymentId = :id',
          ExpressionAttributeValues: { ':status': next.status, ':id': next.id },
        };
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: put },
            {
              Update: {
                TableName: this.tableName,
                Key: keys.paymentPeriod(next.unitId, next.period),
                ...claim,
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
      if (claimsPeriod) {
        throw new PeriodAlreadyPaidError(
          `Payment ${next.id}: another payment already paid ${next.unitId} for ${next.period}`,
          { cause: error },
        );
      }
    }
    // The period is claimed by another payment (this one had failed or expired, or is a duplicate): the claim
    // is not this payment's to update, so write the payment alone.
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
