import { z } from 'zod';
import { tableNames } from '../../shared/config/app-config';
import { NotFoundError } from '../../shared/errors';
import { apiHandler } from '../../shared/http/api-handler';
import { parseParams } from '../../shared/http/middleware';
import { maySeeOwnerData, mayActAsTenant, principalFromEvent } from '../../shared/http/principal';
import { json } from '../../shared/http/responses';
import { presentPayment } from '../../shared/payments/present';
import { documentClient } from '../../shared/repositories/dynamodb';
import { DynamoPaymentRepository } from '../../shared/repositories/payment-repository';

const payments = new DynamoPaymentRepository(documentClient, tableNames.payments());
const pathSchema = z.object({ id: z.string().min(1).max(64) });

/** GET /api/payments/{id}/: the tenant who made it, the unit's owner and admins; anyone else gets 404. */
export const handler = apiHandler(async (event) => {
  const principal = principalFromEvent(event);
  const { id } = parseParams(event.pathParameters, pathSchema, 'path');
  const payment = await payments.get(id);
  const visible =
    payment && (mayActAsTenant(principal, payment.tenantId) || maySeeOwnerData(principal, payment.ownerId));
  if (!payment || !visible) throw new NotFoundError();
  return json(200, presentPayment(payment));
});
