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
import { DEFAULT_RECONCILE_POLICY, reconcilePayments } from '../../shared/payments/reconcile-payments';
import type { ReconcileReport } from '../../shared/payments/reconcile-payments';
import { documentClient } from '../../shared/repositories/dynamodb';
import { DynamoReconcilerPositions } from '../../shared/repositories/index-page';
import { DynamoPaymentRepository } from '../../shared/repositories/payment-repository';
import { DynamoPhonePeEventRepository } from '../../shared/repositories/phonepe-event-repository';

const payments = new DynamoPaymentRepository(documentClient, tableNames.payments());
const events = new DynamoPhonePeEventRepository(documentClient, tableNames.payments());
const positions = new DynamoReconcilerPositions(documentClient, tableNames.payments());
const phonepe = phonePeClientFactory();
const seconds = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
const env = readEnv(
  z.object({
    RECONCILE_FIRST_CHECK_AFTER_SECONDS: seconds(DEFAULT_RECONCILE_POLICY.firstCheckAfterSeconds),
    // How long a completed payment may wait for the stream to start its payout before the reconciler does.
    RECONCILE_PAYOUT_GRACE_SECONDS: seconds(120),
    RECONCILE_EXPIRY_GRACE_SECONDS: seconds(DEFAULT_RECONCILE_POLICY.expiryGraceSeconds),
    RECONCILE_EVENT_GRACE_SECONDS: seconds(DEFAULT_RECONCILE_POLICY.eventGraceSeconds),
    RECONCILE_MAX_CHECKS_PER_RUN: z.coerce
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(DEFAULT_RECONCILE_POLICY.maxChecksPerRun),
  }),
);

const starter = startPayoutDependencies(documentClient, payments);

/**
 * Scheduled (EventBridge, every minute): process webhook events the stream gave up on, confirm pending payments
 * whose webhook has not come, and start the payout of any completed payment whose stream record never did
 * (Invariant 1: nothing lost with a record).
 */
export const handler = middy<ScheduledEvent, ReconcileReport & MissingPayoutsReport>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async () => {
    const report = {
      ...(await reconcilePayments(
        { payments, events, positions, phonepe: await phonepe(), now: () => new Date() },
        {
          ...DEFAULT_RECONCILE_POLICY,
          firstCheckAfterSeconds: env.RECONCILE_FIRST_CHECK_AFTER_SECONDS,
          expiryGraceSeconds: env.RECONCILE_EXPIRY_GRACE_SECONDS,
          eventGraceSeconds: env.RECONCILE_EVENT_GRACE_SECONDS,
          maxChecksPerRun: env.RECONCILE_MAX_CHECKS_PER_RUN,
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
      report.completed +
        report.duplicates +
        report.failed +
        report.expired +
        report.eventsProcessed +
        report.payoutsStarted,
    );
    return report;
  });
