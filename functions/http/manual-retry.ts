import { z } from 'zod';
import { cashfreeClientFactory, payoutPolicy, startPayoutDependencies } from '../../shared/config/app-config';
import { ForbiddenError } from '../../shared/errors';
import { apiHandler } from '../../shared/http/api-handler';
import { parseParams } from '../../shared/http/middleware';
import { isAdmin, principalFromEvent } from '../../shared/http/principal';
import { json } from '../../shared/http/responses';
import { manualRetry } from '../../shared/payouts/manual-retry';
import { presentPayoutDetail } from '../../shared/payouts/present';
import { documentClient } from '../../shared/repositories/dynamodb';

const deps = { ...startPayoutDependencies(documentClient), policy: payoutPolicy() };
const cashfree = cashfreeClientFactory();
const pathSchema = z.object({ id: z.string().min(1).max(64) });

/**
 * POST /api/owner-payouts/{id}/manual_retry/ (admins): failed payouts whose earlier attempts Cashfree says are
 * final and unpaid (409 otherwise, with why); a retry_scheduled one whose run never started is started.
 */
export const handler = apiHandler(async (event) => {
  const principal = principalFromEvent(event);
  if (!isAdmin(principal)) throw new ForbiddenError('Only admins can retry payouts.');
  const { id } = parseParams(event.pathParameters, pathSchema, 'path');
  const payout = await manualRetry({ ...deps, cashfree: await cashfree() }, id, principal.userId);
  return json(200, presentPayoutDetail(payout));
});
