import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { z } from 'zod';
import { tableNames } from '../../shared/config/app-config';
import { formatRupees } from '../../shared/domain/money';
import type { Paise } from '../../shared/domain/money';
import { PAYOUT_STATUSES } from '../../shared/domain/payout-status';
import { ForbiddenError } from '../../shared/errors';
import { apiHandler } from '../../shared/http/api-handler';
import { parseParams } from '../../shared/http/middleware';
import { isAdmin, principalFromEvent } from '../../shared/http/principal';
import { json } from '../../shared/http/responses';
import { initiatedWindow, summaryQuerySchema } from '../../shared/payouts/list-payouts';
import { documentClient } from '../../shared/repositories/dynamodb';

const payoutsTable = tableNames.payouts();
const querySchema = summaryQuerySchema;

/** GET /api/admin/payouts/summary/ (admins): counts and amounts by status, optionally in a date range (GSI byStatus). */
export const handler = apiHandler(async (event) => {
  const principal = principalFromEvent(event);
  if (!isAdmin(principal)) throw new ForbiddenError('Only admins can see the payout summary.');
  const q = parseParams(event.queryStringParameters, querySchema, 'query') as z.infer<typeof querySchema>;
  const { lo, hi } = initiatedWindow(q);
  const byStatus: Record<string, { count: number; amount: string }> = {};
  let totalCount = 0;
  let totalPaise = 0;
  for (const status of PAYOUT_STATUSES) {
    let count = 0;
    let sum = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await documentClient.send(
        new QueryCommand({
          TableName: payoutsTable,
          IndexName: 'byStatus',
          KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk BETWEEN :lo AND :hi',
          ExpressionAttributeValues: { ':pk': `PAYOUT_STATUS#${status}`, ':lo': lo, ':hi': hi },
          ProjectionExpression: 'amountPaise',
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of out.Items ?? []) {
        count += 1;
        sum += Number(item.amountPaise ?? 0);
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    byStatus[status] = { count, amount: formatRupees(sum as Paise) };
    totalCount += count;
    totalPaise += sum;
  }
  return json(200, {
    by_status: byStatus,
    total: { count: totalCount, amount: formatRupees(totalPaise as Paise) },
    initiated_at__gte: q.initiated_at__gte ?? null,
    initiated_at__lte: q.initiated_at__lte ?? null,
  });
});
