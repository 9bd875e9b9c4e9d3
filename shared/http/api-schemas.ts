import { z } from 'zod';
import { ACCOUNT_NUMBER_PATTERN, IFSC_PATTERN, VPA_PATTERN } from '../domain/payment-details';
import { PAYMENT_STATUSES, PAYOUT_STATUSES } from '../domain/payout-status';
import { OPERATOR_FLAGS } from '../payments/payment-flags';

/**
 * The API's request and response shapes, once: handlers parse with them and the OpenAPI document
 * (shared/openapi.ts) is generated from them, so the two cannot disagree.
 */
const id = z.string().describe('Opaque, sortable id (a ULID), not an integer.');
const money = z
  .string()
  .regex(/^\d+\.\d{2}$/)
  .describe('Rupees with two decimals, e.g. "15000.00".');
const timestamp = z.string().describe('ISO-8601 UTC');

export const errorResponse = z.object({
  detail: z.string(),
  errors: z.record(z.string(), z.array(z.string())).optional().describe('Field errors, by field name.'),
});

export const createPaymentBody = z.strictObject({
  unit_id: z.string().min(1).max(64),
  period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'Expected a rent period as YYYY-MM.'),
});

export const paymentResponse = z.object({
  id,
  unit_id: id,
  tenant_id: id,
  owner_id: id,
  period: z.string(),
  amount: money,
  status: z.enum(PAYMENT_STATUSES),
  merchant_order_id: z.string(),
  checkout_url: z.string().nullable(),
  expires_at: timestamp.nullable(),
  created_at: timestamp,
  completed_at: timestamp.nullable(),
  flags: z.array(z.string()),
  refunds: z.array(
    z.object({
      merchant_refund_id: z.string(),
      state: z.string(),
      amount: money.nullable(),
      recorded_at: timestamp,
    }),
  ),
  duplicate_of: id
    .nullable()
    .describe('For a duplicate_payment: the payment that had already paid the period.'),
  phonepe_amount: money.nullable().describe('For an amount_mismatch: what PhonePe reported as collected.'),
  resolutions: z.array(
    z.object({
      flag: z.enum(OPERATOR_FLAGS),
      resolution: z.enum(['refunded', 'accepted']),
      note: z.string(),
      by: z.string(),
      at: timestamp,
    }),
  ),
});

export const flaggedPaymentsQuery = z.strictObject({
  flag: z.enum(OPERATOR_FLAGS),
  page_size: z.coerce.number().int().min(1).max(100).optional(),
  cursor: z.string().max(400).optional(),
});

export const paymentPageResponse = z.object({
  next: z.string().nullable().describe('URL of the next page, or null.'),
  results: z.array(paymentResponse).describe('Oldest first.'),
});

const resolutionNote = z
  .string()
  .trim()
  .min(1)
  .max(500)
  .describe('What was done, e.g. the PhonePe refund id or the ticket.');
/**
 * An operator's resolution of a payment's flag: a mismatch is refunded (the payment fails, the period is free)
 * or accepted (the rent was collected in full: the payment completes and pays out); a duplicate is refunded.
 */
export const resolvePaymentBody = z.discriminatedUnion('flag', [
  z.strictObject({
    flag: z.literal('amount_mismatch'),
    resolution: z.enum(['refunded', 'accepted']),
    note: resolutionNote,
  }),
  z.strictObject({
    flag: z.literal('duplicate_payment'),
    resolution: z.literal('refunded'),
    note: resolutionNote,
  }),
]);

/** The Django serializer's fields: more may be added, none renamed. */
export const payoutResponse = z.object({
  id,
  payment_id: id,
  owner_id: id,
  amount: money,
  status: z.enum(PAYOUT_STATUSES),
  beneficiary_type: z.enum(['bank', 'upi']).nullable(),
  cashfree_transfer_id: z.string().nullable(),
  cashfree_utr: z.string().nullable(),
  retry_count: z.number().int(),
  initiated_at: timestamp,
  completed_at: timestamp.nullable(),
  error_message: z.string(),
  // Added for the operators' console (the owner app ignores fields it does not know).
  owner_name: z.string().describe("The owner's name when the payout was created."),
  unit_id: id,
  needs_attention: z.boolean(),
});

/** A row of the payout list and the CSV export: the payout plus its unit's number from the directory. */
export const payoutListItem = payoutResponse.extend({
  unit_number: z.string().nullable().describe("The unit's current number; null if the unit is gone."),
});

export const payoutDetailResponse = payoutResponse.extend({
  needs_attention: z.boolean(),
  duplicate_payment: z
    .boolean()
    .describe('Two transfers of this payout succeeded: the owner was paid twice (operators recover one).'),
  attempts: z.array(
    z.object({
      attempt: z.number().int(),
      transfer_id: z.string(),
      cashfree_status: z.string(),
      status_code: z.string().nullable(),
      description: z.string().nullable(),
      utr: z.string().nullable(),
      requested_at: timestamp,
      updated_at: timestamp,
    }),
  ),
});

export const payoutPageResponse = z.object({
  next: z.string().nullable().describe('URL of the next (older) page, or null.'),
  previous: z.string().nullable().describe('URL of the previous (newer) page, or null.'),
  results: z.array(payoutListItem),
});

export const payoutSummaryResponse = z.object({
  by_status: z.record(z.enum(PAYOUT_STATUSES), z.object({ count: z.number().int(), amount: money })),
  total: z.object({ count: z.number().int(), amount: money }),
  initiated_at__gte: z.string().nullable(),
  initiated_at__lte: z.string().nullable(),
});

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

export const maskedPaymentDetailsResponse = z.object({
  payment_method: z.enum(['bank', 'upi']).nullable(),
  bank_name: z.string(),
  account_number: z.string().describe('Masked: only the last four digits are shown.'),
  ifsc_code: z.string(),
  upi_id: z.string(),
});

export const paymentDetailsHistoryResponse = z.object({
  results: z.array(
    z.object({
      changed_by: z.string(),
      changed_at: timestamp,
      old: maskedPaymentDetailsResponse.nullable(),
      new: maskedPaymentDetailsResponse,
    }),
  ),
});

export const webhookAck = z.object({}).catchall(z.unknown());

/* Directory administration (admins). */
const phone = z
  .string()
  .trim()
  .regex(/^\+?\d{10,15}$/, 'Enter a phone number of 10 to 15 digits.');
export const ownerCreateBody = z.strictObject({
  name: z.string().trim().min(2).max(100),
  email: z.email(),
  phone: phone.optional(),
});
export const propertyCreateBody = z.strictObject({
  owner_id: z.string().min(1).max(64),
  name: z.string().trim().min(1).max(120),
  address: z.string().trim().min(1).max(300),
});
export const unitCreateBody = z.strictObject({
  property_id: z.string().min(1).max(64),
  unit_number: z.string().trim().min(1).max(30),
  rent: z.string().regex(/^\d{1,9}(\.\d{1,2})?$/, 'Enter the monthly rent in rupees, e.g. "15000.00".'),
});
export const tenantCreateBody = z.strictObject({
  name: z.string().trim().min(2).max(100),
  email: z.email(),
  phone: phone.optional(),
  unit_id: z.string().min(1).max(64).nullable().optional(),
});

export const ownerResponse = z.object({
  id,
  name: z.string(),
  email: z.string(),
  phone: z.string(),
  created_at: timestamp,
});
export const propertyResponse = z.object({
  id,
  owner_id: id,
  name: z.string(),
  address: z.string(),
  created_at: timestamp,
});
export const unitResponse = z.object({
  id,
  property_id: id,
  owner_id: id,
  unit_number: z.string(),
  rent: money,
  created_at: timestamp,
});
export const tenantResponse = z.object({
  id,
  name: z.string(),
  email: z.string(),
  phone: z.string(),
  unit_id: id.nullable(),
  created_at: timestamp,
});
export const unitUpdateBody = z.strictObject({
  unit_number: z.string().trim().min(1).max(30).optional(),
  rent: z
    .string()
    .regex(/^\d{1,9}(\.\d{1,2})?$/, 'Enter the monthly rent in rupees, e.g. "15000.00".')
    .optional(),
});
export const tenantUpdateBody = z.strictObject({
  name: z.string().trim().min(2).max(100).optional(),
  phone: phone.optional(),
  unit_id: z
    .string()
    .min(1)
    .max(64)
    .nullable()
    .optional()
    .describe('Assign to a unit, or null to move the tenant out.'),
});

export const ownerUpdateBody = z.strictObject({
  name: z.string().trim().min(2).max(100).optional(),
  email: z.email().optional(),
  phone: phone.optional(),
});
export const propertyUpdateBody = z.strictObject({
  name: z.string().trim().min(1).max(120).optional(),
  address: z.string().trim().min(1).max(300).optional(),
});
export const ownerListQuery = z.strictObject({
  search: z.string().trim().min(1).max(100).optional(),
  page_size: z.coerce.number().int().min(1).max(100).optional(),
  cursor: z.string().max(300).optional(),
});
export const ownerPageResponse = z.object({
  next: z.string().nullable().describe('Cursor of the next page (by name), or null.'),
  results: z.array(ownerResponse),
});

/** A payout's workflow runs: the execution `<payoutId>-<run>` of each run, newest first. */
export const payoutExecutionsResponse = z.object({
  results: z.array(
    z.object({
      run: z.number().int(),
      name: z.string(),
      execution_arn: z.string(),
      status: z
        .enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE', 'NOT_FOUND'])
        .describe('NOT_FOUND: the run was recorded but its execution was never started.'),
      start_date: timestamp.nullable(),
      stop_date: timestamp.nullable(),
      error: z.string().nullable(),
      cause: z.string().nullable(),
      console_url: z.string().nullable().describe('The Step Functions console on AWS; null locally.'),
    }),
  ),
});
