import { z } from 'zod';
import { paymentDetailsCipher, tableNames } from '../../shared/config/app-config';
import { ACCOUNT_NUMBER_PATTERN, IFSC_PATTERN, VPA_PATTERN } from '../../shared/domain/payment-details';
import type { OwnerPaymentDetails } from '../../shared/domain/payment-details';
import { ForbiddenError, NotFoundError } from '../../shared/errors';
import { apiHandler } from '../../shared/http/api-handler';
import { parseJsonBody } from '../../shared/http/middleware';
import { principalFromEvent } from '../../shared/http/principal';
import { json } from '../../shared/http/responses';
import { logger } from '../../shared/logger';
import {
  DynamoDirectoryRepository,
  maskPaymentDetails,
} from '../../shared/repositories/directory-repository';
import { documentClient } from '../../shared/repositories/dynamodb';

const directory = new DynamoDirectoryRepository(documentClient, tableNames.directory(), paymentDetailsCipher);

/** The Django model's fields; account numbers arrive in full and leave masked. */
export const paymentDetailsBody = z
  .strictObject({
    payment_method: z.enum(['bank', 'upi'], { error: 'Choose "bank" or "upi".' }),
    bank_name: z.string().trim().max(100).optional(),
    account_number: z
      .string()
      .trim()
      .regex(ACCOUNT_NUMBER_PATTERN, 'Account number must be 9 to 18 digits.')
      .optional(),
    ifsc_code: z
      .string()
      .trim()
      .toUpperCase()
      .regex(IFSC_PATTERN, 'Enter a valid IFSC code: 4 letters, 0, then 6 letters or digits.')
      .optional(),
    upi_id: z.string().trim().regex(VPA_PATTERN, 'Enter a valid UPI ID, like name@bank.').optional(),
  })
  .superRefine((v, ctx) => {
    const required =
      v.payment_method === 'bank'
        ? (['bank_name', 'account_number', 'ifsc_code'] as const)
        : (['upi_id'] as const);
    for (const field of required) {
      if (!v[field])
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `This field is required for ${v.payment_method} payouts.`,
        });
    }
  });

/**
 * GET/PUT /api/owners/me/payment-details/ and GET .../history/ (owners only). Primary course: an owner sets
 * bank or UPI details; they are validated, the account number is encrypted, the change is kept, and the next
 * payout attempt (a retry included) uses them.
 */
export const handler = apiHandler(async (event) => {
  const principal = principalFromEvent(event);
  if (!principal.groups.has('owners') || !principal.ownerId)
    throw new ForbiddenError('Only owners have payment details.');
  const ownerId = principal.ownerId;
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
