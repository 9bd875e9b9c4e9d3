import { SFNClient } from '@aws-sdk/client-sfn';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { z } from 'zod';
import {
  cashfreeClientFactory,
  payoutPolicy,
  payoutWatchPolicy,
  stateMachineArn,
  tableNames,
} from '../../shared/config/app-config';
import { readEnv } from '../../shared/config/env';
import { logger } from '../../shared/logger';
import { traced } from '../../shared/tracing';
import { recordReconcilerActions } from '../../shared/metrics';
import {
  actionsOf,
  DEFAULT_RECONCILE_PAYOUTS_LIMITS,
  reconcilePayouts,
} from '../../shared/payouts/reconcile-payouts';
import type { PayoutReconcileReport } from '../../shared/payouts/reconcile-payouts';
import { documentClient } from '../../shared/repositories/dynamodb';
import { DynamoPayoutRepository } from '../../shared/repositories/payout-repository';

const env = readEnv(
  z.object({
    PAYOUT_RECONCILE_PER_SHARD: z.coerce
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(DEFAULT_RECONCILE_PAYOUTS_LIMITS.perShard),
    PAYOUT_RECONCILE_CONCURRENCY: z.coerce
      .number()
      .int()
      .min(1)
      .max(32)
      .default(DEFAULT_RECONCILE_PAYOUTS_LIMITS.concurrency),
  }),
);
const cashfree = cashfreeClientFactory();
const deps = {
  payouts: new DynamoPayoutRepository(documentClient, tableNames.payouts()),
  policy: payoutPolicy(),
  watch: payoutWatchPolicy(),
  sfn: traced(new SFNClient({})),
  stateMachineArn: stateMachineArn(),
  now: () => new Date(),
};

/**
 * Scheduled (EventBridge, every minute): the payout side of the reconciler. Looks at the payouts due on the
 * watch index (stopped runs, transfers in flight, completed payouts inside the reversal window), bounded per run.
 */
export const handler = middy<ScheduledEvent, PayoutReconcileReport>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async () => {
    const report = await reconcilePayouts(
      { ...deps, cashfree: await cashfree() },
      { perShard: env.PAYOUT_RECONCILE_PER_SHARD, concurrency: env.PAYOUT_RECONCILE_CONCURRENCY },
    );
    recordReconcilerActions('payouts', actionsOf(report));
    return report;
  });
