import { tableNames } from '../../shared/config/app-config';
import { apiHandler } from '../../shared/http/api-handler';
import { payoutListItem } from '../../shared/http/api-schemas';
import { parseParams } from '../../shared/http/middleware';
import { principalFromEvent } from '../../shared/http/principal';
import { exportQuerySchema, listPayouts } from '../../shared/payouts/list-payouts';
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
const MAX_ROWS = 10_000;
// The list's fields, in the order the API renders them.
const COLUMNS = Object.keys(payoutListItem.shape) as (keyof typeof payoutListItem.shape)[];

function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  // Quote everything that needs it, and neutralise spreadsheet formulas.
  const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** GET /api/owner-payouts/export.csv: the list's filters, as CSV for bookkeeping (owners: their own). */
export const handler = apiHandler(async (event) => {
  const principal = principalFromEvent(event);
  const query = parseParams(event.queryStringParameters, exportQuerySchema, 'query');
  const rows: string[] = [COLUMNS.join(',')];
  let cursor: string | undefined;
  do {
    const page = await listPayouts(deps, principal, { ...query, page_size: 100, cursor });
    for (const p of await presentPayoutRows(deps.directory, page.results))
      rows.push(COLUMNS.map((c) => csvCell(p[c])).join(','));
    cursor = page.next ?? undefined;
  } while (cursor && rows.length <= MAX_ROWS);
  return {
    statusCode: 200,
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': 'attachment; filename="owner-payouts.csv"',
      'cache-control': 'no-store',
    },
    body: `${rows.join('\r\n')}\r\n`,
  };
});
