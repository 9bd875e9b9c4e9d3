import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { phonePeClientFactory, tableNames } from '../../shared/config/app-config';
import { logger } from '../../shared/logger';
import { processPhonePeEvent } from '../../shared/payments/process-phonepe-event';
import { DynamoPaymentRepository } from '../../shared/repositories/payment-repository';
import { documentClient } from '../../shared/repositories/dynamodb';
import {
  DynamoPhonePeEventRepository,
  recordedEventFromItem,
} from '../../shared/repositories/phonepe-event-repository';

const payments = new DynamoPaymentRepository(documentClient, tableNames.payments());
const events = new DynamoPhonePeEventRepository(documentClient, tableNames.payments());
const phonepe = phonePeClientFactory();
const processor = new BatchProcessor(EventType.DynamoDBStreams);

/**
 * Payments stream (filtered: a recorded PhonePe webhook event was inserted) -> confirm the payment with
 * PhonePe's order-status API (or record the refund), then take the event off the unprocessed index. A PhonePe
 * outage fails the record, which the event source retries; one given up on stays on the index, where the
 * reconciler finds it.
 */
async function recordHandler(record: DynamoDBRecord): Promise<void> {
  const image = record.dynamodb?.NewImage;
  if (!image) return;
  const item = unmarshall(image as Record<string, AttributeValue>);
  if (item.entity !== 'phonepe_event') return;
  const event = recordedEventFromItem(item);
  if (!event || !event.merchantOrderId) return;
  const outcome = await processPhonePeEvent(
    { payments, phonepe: await phonepe(), now: () => new Date() },
    event,
    'webhook',
  );
  await events.markProcessed(event);
  logger.info('PhonePe order confirmed', { merchant_order_id: event.merchantOrderId, outcome });
}

export const handler = middy<DynamoDBStreamEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event, context) => processPartialResponse(event, recordHandler, processor, { context }));
