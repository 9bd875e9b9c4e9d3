import { z } from 'zod';
import { tableNames } from '../../shared/config/app-config';
import { ForbiddenError, NotFoundError } from '../../shared/errors';
import { apiHandler } from '../../shared/http/api-handler';
import { parseParams } from '../../shared/http/middleware';
import { isAdmin, principalFromEvent } from '../../shared/http/principal';
import { json } from '../../shared/http/responses';
import {
  DynamoDirectoryRepository,
  maskPaymentDetails,
} from '../../shared/repositories/directory-repository';
import { documentClient } from '../../shared/repositories/dynamodb';

// No payment-details key: owners are read with the account number already masked; nothing is written.
const directory = new DynamoDirectoryRepository(documentClient, tableNames.directory());
const pathSchema = z.object({ id: z.string().min(1).max(64) });
const NONE = { payment_method: null, bank_name: '', account_number: '', ifsc_code: '', upi_id: '' };

/**
 * GET /api/admin/owners/{id}/payment-details/ and .../history/ (admins, read-only): an owner's payout
 * destination, masked, and every change of it, so an operator can see why a payout went where it went.
 */
export const handler = apiHandler(async (event) => {
  const principal = principalFromEvent(event);
  if (!isAdmin(principal)) throw new ForbiddenError("Only admins can see an owner's payment details.");
  const { id } = parseParams(event.pathParameters, pathSchema, 'path');
  const owner = await directory.getOwner(id);
  if (!owner) throw new NotFoundError('Owner not found.');
  if (event.routeKey.endsWith('/history')) {
    const changes = await directory.paymentDetailsHistory(id, 50);
    return json(200, {
      results: changes.map((c) => ({
        changed_by: c.changedBy,
        changed_at: c.changedAt,
        old: c.old,
        new: c.new,
      })),
    });
  }
  return json(200, maskPaymentDetails(owner.paymentDetails) ?? NONE);
});
