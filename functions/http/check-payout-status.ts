import { z } from 'zod';
import { cashfreeClientFactory, payoutPolicy, tableNames } from '../../shared/config/app-config';
import { readEnv } from '../../shared/config/env';
import { NotFoundError } from '../../shared/errors';
import { apiHandler } from '../../shared/http/api-handler';
import { parseParams } from '../../shared/http/middleware';
import { maySeeOwnerData, principalFromEvent } from '../../shared/http/principal';
import { json } from '../../shared/http/responses';
import { checkPayoutStatus, claimStatusCheck } from '../../shared/payouts/check-status';
import { presentPayoutDetail } from '../../shared/payouts/present';
import { documentClient } from '../../shared/repositories/dynamodb';
import { DynamoPayoutRepository } from '../../shared/repositories/payout-repository';

const payoutsTable = tableNames.payouts();
const payouts = new DynamoPayoutRepository(documentClient, payoutsTable);
const policy = payoutPolicy();
const cashfree = cashfreeClientFactory();
const env = readEnv(
  z.object({ STATUS_CHECK_WINDOW_SECONDS: z.coerce.number().int().min(0).max(3600).default(10) }),
);
const pathSchema = z.object({ id: z.string().min(1).max(64) });

/** GET /api/owner-payouts/{id}/check_status/: the owner's own payout (404 otherwise) or any for admins. */
export const handler = apiHandler(async (event) => {
  const principal = principalFromEvent(event);
  const { id } = parseParams(event.pathParameters, pathSchema, 'path');
  const payout = await payouts.get(id);
  if (!payout || !maySeeOwnerData(principal, payout.ownerId)) throw new NotFoundError();
  const now = new Date();
  await claimStatusCheck(documentClient, payoutsTable, payout.id, env.STATUS_CHECK_WINDOW_SECONDS, now);
  const updated = await checkPayoutStatus(
    { payouts, policy, now: () => new Date(), cashfree: await cashfree() },
    payout,
  );
  return json(200, presentPayoutDetail(updated));
});
