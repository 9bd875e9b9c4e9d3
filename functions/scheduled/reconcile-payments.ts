import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { z } from 'zod';
import { phonePeClientFactory, startPayoutDependencies, tableNames } from '../../shared/config/app-config';
import { initiateOwnerPayout } from '../../shared/payouts/start-payout';
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
export const handler = middy<ScheduledEvent, ReconcileReport & PayoutCheckReport>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async () => ({
    ...(await reconcilePendingPayments(
      { payments, phonepe: await phonepe(), now: () => new Date() },
      {
        ...DEFAULT_RECONCILE_POLICY,
        firstCheckAfterSeconds: env.RECONCILE_FIRST_CHECK_AFTER_SECONDS,
        expiryGraceSeconds: env.RECONCILE_EXPIRY_GRACE_SECONDS,
      },
    )),
    ...(await startMissingPayouts()),
  }));

interface PayoutCheckReport {
  payoutsStarted: number;
  payoutStartsFailed: number;
}

/** Completed payments without a recorded payout after the grace period: the stream should have started one. */
async function startMissingPayouts(): Promise<PayoutCheckReport> {
  const before = new Date(Date.now() - env.RECONCILE_PAYOUT_GRACE_SECONDS * 1000).toISOString();
  const report: PayoutCheckReport = { payoutsStarted: 0, payoutStartsFailed: 0 };
  for (const payment of await payments.listAwaitingPayout(before, 100)) {
    const fields = { payment_id: payment.id, owner_id: payment.ownerId };
    try {
      const { payout, created } = await initiateOwnerPayout(starter, payment);
      if (created) {
        logger.warn('Payout started by the reconciler (stream record missing)', {
          ...fields,
          payout_id: payout.id,
        });
        report.payoutsStarted += 1;
      } else {
        // The stream had started it; only noting its id on the payment had not happened yet.
        logger.info('Payout of a completed payment recorded by the reconciler', {
          ...fields,
          payout_id: payout.id,
        });
      }
    } catch (error) {
      // One payment that cannot be started now must not hold back the others; it is tried again next run.
      logger.error('Payout start by the reconciler failed', { ...fields, error: (error as Error).message });
      report.payoutStartsFailed += 1;
    }
  }
  return report;
}
