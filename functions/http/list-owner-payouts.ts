import { tableNames } from '../../shared/config/app-config';
import { apiHandler } from '../../shared/http/api-handler';
import { parseParams } from '../../shared/http/middleware';
import { principalFromEvent } from '../../shared/http/principal';
import { json } from '../../shared/http/responses';
import { listPayouts, listQuerySchema } from '../../shared/payouts/list-payouts';
import { pageUrl } from '../../shared/payouts/payout-links';
import { presentPayoutRows } from '../../shared/payouts/payout-rows';
import { DynamoDirectoryRepository } from '../../shared/repositories/directory-repository';
import { documentClient } from '../../shared/repositories/dynamodb';
import { DynamoPayoutRepository } from '../../shared/repositories/payout-repository';

const payoutsTable = tableNames.payouts();
const deps = {
  client: documentClient,
  tableName: payoutsTable,
  payouts: new DynamoPayoutRepository(documentClient, payoutsTable),
  directory: new DynamoDirectoryRepository(documentClient, tableNames.directory()),
  now: () => new Date(),
};

/** GET /api/owner-payouts/: newest first, cursor pagination ({next, previous, results}), DRF-style filters. */
export const handler = apiHandler(async (event) => {
  const principal = principalFromEvent(event);
  const query = parseParams(event.queryStringParameters, listQuerySchema, 'query');
  const page = await listPayouts(deps, principal, query);
  const link = (cursor: string | null) =>
    cursor ? pageUrl(event, { ...query, page_size: query.page_size?.toString(), cursor }) : null;
  return json(200, {
    next: link(page.next),
    previous: link(page.previous),
    results: await presentPayoutRows(deps.directory, page.results),
  });
});
