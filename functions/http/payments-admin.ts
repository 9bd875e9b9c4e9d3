import { z } from 'zod';
import { tableNames } from '../../shared/config/app-config';
import { ForbiddenError } from '../../shared/errors';
import { apiHandler } from '../../shared/http/api-handler';
import { flaggedPaymentsQuery, resolvePaymentBody } from '../../shared/http/api-schemas';
import { parseJsonBody, parseParams } from '../../shared/http/middleware';
import { isAdmin, principalFromEvent } from '../../shared/http/principal';
import { json } from '../../shared/http/responses';
import { presentPayment } from '../../shared/payments/present';
import { listFlaggedPayments, resolvePaymentFlag } from '../../shared/payments/resolve-payment';
import { pageUrl } from '../../shared/payouts/payout-links';
import { documentClient } from '../../shared/repositories/dynamodb';
import { DynamoPaymentRepository } from '../../shared/repositories/payment-repository';

const deps = {
  payments: new DynamoPaymentRepository(documentClient, tableNames.payments()),
  now: () => new Date(),
};
const pathSchema = z.object({ id: z.string().min(1).max(64) });

/**
 * Admins: GET /api/admin/payments/?flag= lists the payments waiting on an operator (amount mismatches,
 * duplicates), oldest first; POST /api/admin/payments/{id}/resolve/ records the operator's resolution.
 */
export const handler = apiHandler(async (event) => {
  const principal = principalFromEvent(event);
  if (!isAdmin(principal)) throw new ForbiddenError('Only admins can review flagged payments.');
  if (event.routeKey.startsWith('GET ')) {
    const query = parseParams(event.queryStringParameters, flaggedPaymentsQuery, 'query');
    const page = await listFlaggedPayments(deps, principal, query);
    return json(200, {
      next: page.next
        ? pageUrl(event, { flag: query.flag, page_size: query.page_size?.toString(), cursor: page.next })
        : null,
      results: page.results.map(presentPayment),
    });
  }
  const { id } = parseParams(event.pathParameters, pathSchema, 'path');
  const body = parseJsonBody(event, resolvePaymentBody);
  return json(200, presentPayment(await resolvePaymentFlag(deps, principal, id, body)));
});
