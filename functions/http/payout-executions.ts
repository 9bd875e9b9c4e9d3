import { SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { executionConsoleUrl, stateMachineArn, tableNames } from '../../shared/config/app-config';
import { ForbiddenError, NotFoundError } from '../../shared/errors';
import { apiHandler } from '../../shared/http/api-handler';
import { parseParams } from '../../shared/http/middleware';
import { isAdmin, principalFromEvent } from '../../shared/http/principal';
import { json } from '../../shared/http/responses';
import { payoutExecutions } from '../../shared/payouts/workflow-executions';
import { documentClient } from '../../shared/repositories/dynamodb';
import { DynamoPayoutRepository } from '../../shared/repositories/payout-repository';

const payouts = new DynamoPayoutRepository(documentClient, tableNames.payouts());
const deps = {
  sfn: new SFNClient({}),
  stateMachineArn: stateMachineArn(),
  consoleUrl: executionConsoleUrl(),
};
const pathSchema = z.object({ id: z.string().min(1).max(64) });

/** GET /api/admin/payouts/{id}/executions/ (admins): the payout's workflow runs and where to open them. */
export const handler = apiHandler(async (event) => {
  const principal = principalFromEvent(event);
  if (!isAdmin(principal)) throw new ForbiddenError('Only admins can see workflow executions.');
  const { id } = parseParams(event.pathParameters, pathSchema, 'path');
  const payout = await payouts.get(id);
  if (!payout) throw new NotFoundError();
  return json(200, { results: await payoutExecutions(deps, payout) });
});
