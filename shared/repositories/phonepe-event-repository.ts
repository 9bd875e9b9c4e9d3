import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { PhonePeEvent } from '../payments/phonepe-webhook';
import type { DocumentClient } from './dynamodb';
import { isConditionalCheckFailure } from './dynamodb';

/**
 * Authentic PhonePe webhooks, recorded durably before the webhook is acknowledged. The record's INSERT on
 * the payments table's stream is what starts the confirmation with PhonePe's order-status API, so PhonePe's
 * latency never sits in the ack path. One record per (order, event, state): duplicates are absorbed here.
 */
export interface PhonePeEventRepository {
  record(event: PhonePeEvent, receivedAt: string): Promise<'recorded' | 'duplicate'>;
}

export function phonePeEventKey(event: PhonePeEvent): { pk: string; sk: string } {
  const discriminator = event.kind === 'refund' ? `REFUND#${event.merchantRefundId}` : 'ORDER';
  return { pk: `PHONEPE_EVENT#${event.merchantOrderId}#${discriminator}#${event.state}`, sk: 'EVENT' };
}

const RETENTION_SECONDS = 90 * 24 * 3600;

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
}
