import { z } from 'zod';
import { startPayoutDependencies } from '../../shared/config/app-config';
import { ForbiddenError } from '../../shared/errors';
import { apiHandler } from '../../shared/http/api-handler';
import { parseParams } from '../../shared/http/middleware';
import { isAdmin, principalFromEvent } from '../../shared/http/principal';
import { json } from '../../shared/http/responses';
import { manualRetry } from '../../shared/payouts/manual-retry';
import { presentPayoutDetail } from '../../shared/payouts/present';
import { documentClient } from '../../shared/repositories/dynamodb';

const deps = startPayoutDependencies(documentClient);
const pathSchema = z.object({ id: z.string().min(1).max(64) });

/** POST /api/owner-payouts/{id}/manual_retry/ (admins): failed payouts only (409 otherwise, with why). */
export const handler = apiHandler(async (event) => {
  const principal = principalFromEvent(event);
  if (!isAdmin(principal)) throw new ForbiddenError('Only admins can retry payouts.');
  const { id } = parseParams(event.pathParameters, pathSchema, 'path');
  const payout = await manualRetry(deps, id, principal.userId);
  return json(200, presentPayoutDetail(payout));
});
