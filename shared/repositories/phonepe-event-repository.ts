import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PhonePeEvent } from '../payments/phonepe-webhook';
import type { DocumentClient } from './dynamodb';
import { isConditionalCheckFailure } from './dynamodb';
import type { IndexPosition } from './index-page';
import { positionOf, queryStatusIndex } from './index-page';
import { keys } from './keys';

/**
 * Authentic PhonePe webhooks, recorded durably before the webhook is acknowledged. The record's INSERT on
 * the payments table's stream is what starts the confirmation with PhonePe's order-status API, so PhonePe's
 * latency never sits in the ack path. One record per (order, event, state): duplicates are absorbed here.
 * A record stays in the byStatus index (`PHONEPE_EVENT#unprocessed`) until it has been processed, so an event
 * whose stream record was given up on (PhonePe down through every retry) is still found by the reconciler.
 */
export type RecordedPhonePeEvent = PhonePeEvent & { receivedAt: string };

export interface UnprocessedEventPage {
  entries: { event: RecordedPhonePeEvent; position: IndexPosition }[];
  next: IndexPosition | null;
}

export interface PhonePeEventRepository {
  record(event: PhonePeEvent, receivedAt: string): Promise<'recorded' | 'duplicate'>;
  /** Takes the event off the unprocessed index (a missing record is left missing). */
  markProcessed(event: PhonePeEvent): Promise<void>;
  /** Events received before `before` and not processed yet, oldest first, after `after`. */
  pageUnprocessed(before: string, after: IndexPosition | null, limit: number): Promise<UnprocessedEventPage>;
}

export function phonePeEventKey(event: PhonePeEvent): { pk: string; sk: string } {
  const discriminator = event.kind === 'refund' ? `REFUND#${event.merchantRefundId}` : 'ORDER';
  return { pk: `PHONEPE_EVENT#${event.merchantOrderId}#${discriminator}#${event.state}`, sk: 'EVENT' };
}

const RETENTION_SECONDS = 90 * 24 * 3600;

/** A recorded event item (or its stream image) as the event it records; null for anything else. */
export function recordedEventFromItem(item: Record<string, unknown>): RecordedPhonePeEvent | null {
  const base = {
    event: String(item.event ?? ''),
    merchantOrderId: String(item.merchantOrderId ?? ''),
    state: String(item.state ?? ''),
    amount: typeof item.amount === 'number' ? item.amount : null,
    receivedAt: String(item.receivedAt ?? ''),
  };
  if (item.kind === 'refund')
    return { ...base, kind: 'refund', merchantRefundId: String(item.merchantRefundId ?? '') };
  if (item.kind === 'order')
    return { ...base, kind: 'order', orderId: typeof item.orderId === 'string' ? item.orderId : null };
  return null;
}

export class DynamoPhonePeEventRepository implements PhonePeEventRepository {
  public constructor(
    private readonly client: DocumentClient,
    private readonly tableName: string,
  ) {}

  public async record(event: PhonePeEvent, receivedAt: string): Promise<'recorded' | 'duplicate'> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...phonePeEventKey(event),
            ...keys.unprocessedPhonePeEvent(receivedAt),
            entity: 'phonepe_event',
            ...event,
            receivedAt,
            expiresAt: Math.floor(Date.parse(receivedAt) / 1000) + RETENTION_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'recorded';
    } catch (error) {
      if (isConditionalCheckFailure(error)) return 'duplicate';
      throw error;
    }
  }

  public async markProcessed(event: PhonePeEvent): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: phonePeEventKey(event),
          UpdateExpression: 'REMOVE gsi1pk, gsi1sk',
          // Never create a record from a key: an event handed over without one stays without one.
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
    }
  }

  public async pageUnprocessed(
    before: string,
    after: IndexPosition | null,
    limit: number,
  ): Promise<UnprocessedEventPage> {
    const page = await queryStatusIndex(this.client, this.tableName, {
      partition: keys.unprocessedPhonePeEvent('').gsi1pk,
      after,
      limit,
      before,
    });
    const entries = page.items.flatMap((item) => {
      const event = recordedEventFromItem(item);
      return event ? [{ event, position: positionOf(item) }] : [];
    });
    return { entries, next: page.next };
  }
}
