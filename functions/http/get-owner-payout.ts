import { z } from 'zod';
import { tableNames } from '../../shared/config/app-config';
import { NotFoundError } from '../../shared/errors';
import { apiHandler } from '../../shared/http/api-handler';
import { parseParams } from '../../shared/http/middleware';
import { maySeeOwnerData, principalFromEvent } from '../../shared/http/principal';
import { json } from '../../shared/http/responses';
import { presentPayoutDetail } from '../../shared/payouts/present';
import { documentClient } from '../../shared/repositories/dynamodb';
import { DynamoPayoutRepository } from '../../shared/repositories/payout-repository';

const payouts = new DynamoPayoutRepository(documentClient, tableNames.payouts());
const pathSchema = z.object({ id: z.string().min(1).max(64) });

/** GET /api/owner-payouts/{id}/: the owner's own payout (another owner's id is a 404), or any for admins. */
export const handler = apiHandler(async (event) => {
  const principal = principalFromEvent(event);
  const { id } = parseParams(event.pathParameters, pathSchema, 'path');
  const payout = await payouts.get(id);
  if (!payout || !maySeeOwnerData(principal, payout.ownerId)) throw new NotFoundError();
  return json(200, presentPayoutDetail(payout));
});
