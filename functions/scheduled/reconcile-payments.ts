import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { z } from 'zod';
import { phonePeClientFactory, tableNames } from '../../shared/config/app-config';
import { readEnv } from '../../shared/config/env';
import { logger } from '../../shared/logger';
import { DEFAULT_RECONCILE_POLICY, reconcilePendingPayments } from '../../shared/payments/reconcile-payments';
import type { ReconcileReport } from '../../shared/payments/reconcile-payments';
import { documentClient } from '../../shared/repositories/dynamodb';
import { DynamoPaymentRepository } from '../../shared/repositories/payment-repository';

const payments = new DynamoPaymentRepository(documentClient, tableNames.payments());
const phonepe = phonePeClientFactory();
const env = readEnv(
  z.object({
    RECONCILE_FIRST_CHECK_AFTER_SECONDS: z.coerce
      .number()
      .int()
      .min(0)
      .default(DEFAULT_RECONCILE_POLICY.firstCheckAfterSeconds),
    RECONCILE_EXPIRY_GRACE_SECONDS: z.coerce
      .number()
      .int()
      .min(0)
      .default(DEFAULT_RECONCILE_POLICY.expiryGraceSeconds),
  }),
);

/** Scheduled (EventBridge, every minute): confirm pending payments whose webhook has not come. */
export const handler = middy<ScheduledEvent, ReconcileReport>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async () =>
    reconcilePendingPayments(
      { payments, phonepe: await phonepe(), now: () => new Date() },
      {
        ...DEFAULT_RECONCILE_POLICY,
        firstCheckAfterSeconds: env.RECONCILE_FIRST_CHECK_AFTER_SECONDS,
        expiryGraceSeconds: env.RECONCILE_EXPIRY_GRACE_SECONDS,
      },
    ),
  );
