import { paymentDetailsCipher, tableNames } from '../../shared/config/app-config';
import { paymentDetailsBody } from '../../shared/http/api-schemas';
import type { OwnerPaymentDetails } from '../../shared/domain/payment-details';
import { NotFoundError } from '../../shared/errors';
import { apiHandler } from '../../shared/http/api-handler';
import { parseJsonBody } from '../../shared/http/middleware';
import { principalFromEvent, requireOwner } from '../../shared/http/principal';
import { json } from '../../shared/http/responses';
import { logger } from '../../shared/logger';
import {
  DynamoDirectoryRepository,
  maskPaymentDetails,
} from '../../shared/repositories/directory-repository';
import { documentClient } from '../../shared/repositories/dynamodb';

const directory = new DynamoDirectoryRepository(documentClient, tableNames.directory(), paymentDetailsCipher);

/**
 * GET/PUT /api/owners/me/payment-details/ and GET .../history/ (owners only). Primary course: an owner sets
 * bank or UPI details; they are validated, the account number is encrypted, the change is kept, and the next
 * payout attempt (a retry included) uses them.
 */
export const handler = apiHandler(async (event) => {
  const principal = principalFromEvent(event);
  const ownerId = requireOwner(principal, 'Only owners have payment details.');
  if (event.routeKey.endsWith('/history')) {
    const changes = await directory.paymentDetailsHistory(ownerId, 50);
    return json(200, {
      results: changes.map((c) => ({
        changed_by: c.changedBy,
        changed_at: c.changedAt,
        old: c.old,
        new: c.new,
      })),
    });
  }
  if (event.requestContext.http.method === 'PUT') {
    const body = parseJsonBody(event, paymentDetailsBody);
    const details: OwnerPaymentDetails =
      body.payment_method === 'bank'
        ? {
            paymentMethod: 'bank',
            bankName: body.bank_name ?? '',
            accountNumber: body.account_number ?? '',
            ifscCode: body.ifsc_code ?? '',
            upiId: '',
          }
        : { paymentMethod: 'upi', bankName: '', accountNumber: '', ifscCode: '', upiId: body.upi_id ?? '' };
    const owner = await directory.updatePaymentDetails(
      ownerId,
      details,
      principal.userId,
      new Date().toISOString(),
    );
    logger.info('Owner payment details changed', {
      owner_id: ownerId,
      changed_by: principal.userId,
      payment_method: details.paymentMethod,
    });
    return json(200, maskPaymentDetails(owner.paymentDetails));
  }
  const owner = await directory.getOwner(ownerId);
  if (!owner) throw new NotFoundError('Owner not found.');
  return json(
    200,
    maskPaymentDetails(owner.paymentDetails) ?? {
      payment_method: null,
      bank_name: '',
      account_number: '',
      ifsc_code: '',
      upi_id: '',
    },
  );
});
