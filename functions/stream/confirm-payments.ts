import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { phonePeClientFactory, tableNames } from '../../shared/config/app-config';
import { logger } from '../../shared/logger';
import { confirmPayment } from '../../shared/payments/confirm-payment';
import { recordRefund } from '../../shared/payments/record-refund';
import { DynamoPaymentRepository } from '../../shared/repositories/payment-repository';
import { documentClient } from '../../shared/repositories/dynamodb';

const payments = new DynamoPaymentRepository(documentClient, tableNames.payments());
const phonepe = phonePeClientFactory();
const processor = new BatchProcessor(EventType.DynamoDBStreams);

/**
 * Payments stream (filtered: a recorded PhonePe webhook event was inserted) -> confirm the payment with
 * PhonePe's order-status API. A PhonePe outage fails the record, which the event source retries.
 */
async function recordHandler(record: DynamoDBRecord): Promise<void> {
  const image = record.dynamodb?.NewImage;
  if (!image) return;
  const event = unmarshall(image as Record<string, AttributeValue>) as {
    entity?: string;
    kind?: string;
    merchantOrderId?: string;
    merchantRefundId?: string;
    state?: string;
    amount?: number | null;
    event?: string;
  };
  if (event.entity !== 'phonepe_event' || !event.merchantOrderId) return;
  if (event.kind === 'refund') {
    await recordRefund(
      { payments, now: () => new Date() },
      {
        merchantOrderId: event.merchantOrderId,
        merchantRefundId: event.merchantRefundId ?? 'unknown',
        state: event.state ?? 'UNKNOWN',
        amount: event.amount ?? null,
        event: event.event ?? '',
      },
    );
    return;
  }
  const outcome = await confirmPayment(
    { payments, phonepe: await phonepe(), now: () => new Date() },
    event.merchantOrderId,
    `webhook:${event.event}`,
  );
  logger.info('PhonePe order confirmed', { merchant_order_id: event.merchantOrderId, outcome });
}

export const handler = middy<DynamoDBStreamEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event, context) => processPartialResponse(event, recordHandler, processor, { context }));
