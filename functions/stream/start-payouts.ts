import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { startPayoutDependencies, tableNames } from '../../shared/config/app-config';
import { DynamoPaymentRepository } from '../../shared/repositories/payment-repository';
import type { Payment } from '../../shared/domain/entities';
import { logger } from '../../shared/logger';
import { initiateOwnerPayout } from '../../shared/payouts/start-payout';
import { documentClient } from '../../shared/repositories/dynamodb';

const deps = startPayoutDependencies(
  documentClient,
  new DynamoPaymentRepository(documentClient, tableNames.payments()),
);
const processor = new BatchProcessor(EventType.DynamoDBStreams);

/**
 * Payments stream (filtered: a payment whose status became completed) -> one OwnerPayout and its workflow run.
 * A failed record is reported alone (partial batch response) and retried; after the retries it lands in the
 * on-failure queue, and the reconciler still finds the completed payment without a payout.
 */
async function recordHandler(record: DynamoDBRecord): Promise<void> {
  const image = record.dynamodb?.NewImage;
  if (!image) return;
  const payment = unmarshall(image as Record<string, AttributeValue>) as Payment & { entity?: string };
  if (payment.entity !== 'payment' || payment.status !== 'completed') return;
  await initiateOwnerPayout(deps, payment);
}

export const handler = middy<DynamoDBStreamEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event, context) => processPartialResponse(event, recordHandler, processor, { context }));
