import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { z } from 'zod';
import { phonePeClientFactory, startPayoutDependencies, tableNames } from '../../shared/config/app-config';
import { startMissingPayouts } from '../../shared/payouts/start-payout';
import type { MissingPayoutsReport } from '../../shared/payouts/start-payout';
import { readEnv } from '../../shared/config/env';
import { logger } from '../../shared/logger';
import { recordReconcilerActions } from '../../shared/metrics';
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
    // How long a completed payment may wait for the stream to start its payout before the reconciler does.
    RECONCILE_PAYOUT_GRACE_SECONDS: z.coerce.number().int().min(0).default(120),
    RECONCILE_EXPIRY_GRACE_SECONDS: z.coerce
      .number()
      .int()
      .min(0)
      .default(DEFAULT_RECONCILE_POLICY.expiryGraceSeconds),
  }),
);

const starter = startPayoutDependencies(documentClient, payments);

/**
 * Scheduled (EventBridge, every minute): confirm pending payments whose webhook has not come, and start the
 * payout of any completed payment whose stream record never did (Invariant 1: nothing lost with a record).
 */
export const handler = middy<ScheduledEvent, ReconcileReport & MissingPayoutsReport>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async () => {
    const report = {
      ...(await reconcilePendingPayments(
        { payments, phonepe: await phonepe(), now: () => new Date() },
        {
          ...DEFAULT_RECONCILE_POLICY,
          firstCheckAfterSeconds: env.RECONCILE_FIRST_CHECK_AFTER_SECONDS,
          expiryGraceSeconds: env.RECONCILE_EXPIRY_GRACE_SECONDS,
        },
      )),
      // Completed payments without a recorded payout after the grace period: the stream should have started one.
      ...(await startMissingPayouts(
        { ...starter, payments },
        new Date(Date.now() - env.RECONCILE_PAYOUT_GRACE_SECONDS * 1000).toISOString(),
      )),
    };
    // What a webhook or a stream record should have done, and the reconciler did instead.
    recordReconcilerActions(
      'payments',
      report.completed + report.failed + report.expired + report.payoutsStarted,
    );
    return report;
  });
