import type { z } from 'zod';
import type { Payment, PaymentResolution } from '../domain/entities';
import { formatRupees, paise } from '../domain/money';
import {
  BadRequestError,
  ConditionalWriteError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
} from '../errors';
import type { flaggedPaymentsQuery, resolvePaymentBody } from '../http/api-schemas';
import type { Principal } from '../http/principal';
import { isAdmin } from '../http/principal';
import { logger } from '../logger';
import type { IndexPosition } from '../repositories/index-page';
import { indexPositionSchema } from '../repositories/index-page';
import type { PaymentRepository } from '../repositories/payment-repository';
import { completePayment } from './confirm-payment';
import { openFlag, PaymentFlags } from './payment-flags';

export interface PaymentAdminDeps {
  payments: PaymentRepository;
  now: () => Date;
}

const PAYMENT_POSITION = /^PAYMENT#[0-9A-HJKMNP-TV-Z]{26}$/;

function encodeCursor(position: IndexPosition): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

function decodeCursor(text: string): IndexPosition {
  try {
    const position = indexPositionSchema.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
    if (!PAYMENT_POSITION.test(position.pk) || position.sk !== 'PAYMENT') throw new Error('not a payment');
    return position;
  } catch {
    throw new BadRequestError('Invalid cursor.');
  }
}

/**
 * Admins: the payments waiting on an operator for one flag, oldest first, from the index (no scan). The flag
 * picks the index partition, so a cursor, tampered or not, only moves within that flag's payments.
 */
export async function listFlaggedPayments(
  deps: Pick<PaymentAdminDeps, 'payments'>,
  principal: Principal,
  query: z.infer<typeof flaggedPaymentsQuery>,
): Promise<{ results: Payment[]; next: string | null }> {
  if (!isAdmin(principal)) throw new ForbiddenError('Only admins can list flagged payments.');
  const pageSize = query.page_size ?? 25;
  const after = query.cursor ? decodeCursor(query.cursor) : null;
  // One more than the page: whether there is a next page is known without an empty last page.
  const page = await deps.payments.pageFlagged(query.flag, after, pageSize + 1);
  const shown = page.entries.slice(0, pageSize);
  const last = shown.at(-1);
  const more = page.entries.length > pageSize || (page.next !== null && shown.length === page.entries.length);
  return {
    results: shown.map((e) => e.payment),
    next: more && last ? encodeCursor(last.position) : null,
  };
}

/**
 * Admins: records how an operator resolved a payment's open flag (docs/payments.md, "Operator flags"):
 * - amount_mismatch, refunded: the money went back through PhonePe; a pending payment fails, which frees its
 *   period for a new payment;
 * - amount_mismatch, accepted: the operator confirmed with PhonePe that the rent was collected in full; the
 *   payment completes as any other (it pays out the rent, or is a duplicate if the period was paid meanwhile).
 *   Refused when PhonePe reported less than the rent, or a refund is recorded: the owner is never paid money
 *   that was not collected;
 * - duplicate_payment, refunded: the extra payment was refunded; it stays completed and never pays out.
 */
export async function resolvePaymentFlag(
  deps: PaymentAdminDeps,
  principal: Principal,
  paymentId: string,
  input: z.infer<typeof resolvePaymentBody>,
): Promise<Payment> {
  if (!isAdmin(principal)) throw new ForbiddenError('Only admins can resolve payment flags.');
  for (let round = 0; round < 5; round += 1) {
    const payment = await deps.payments.get(paymentId);
    if (!payment) throw new NotFoundError();
    if (openFlag(payment) !== input.flag)
      throw new ConflictError(`Payment ${paymentId} has no open ${input.flag} flag to resolve.`);
    const now = deps.now().toISOString();
    const resolution: PaymentResolution = {
      flag: input.flag,
      resolution: input.resolution,
      note: input.note,
      by: principal.userId,
      at: now,
    };
    const resolved: Payment = {
      ...payment,
      resolutions: [...(payment.resolutions ?? []), resolution],
      updatedAt: now,
    };
    try {
      if (input.flag === 'amount_mismatch' && input.resolution === 'accepted') {
        const collected = payment.phonepeAmountPaise ?? 0;
        if (collected < payment.amountPaise)
          throw new ConflictError(
            `PhonePe reported ${formatRupees(paise(collected))}, less than the rent of ${formatRupees(payment.amountPaise)}: refund it instead.`,
          );
        if (payment.flags.includes(PaymentFlags.refunded))
          throw new ConflictError(`A refund is recorded for payment ${paymentId}: resolve it as refunded.`);
        await completePayment(
          deps,
          resolved,
          { transactionId: payment.phonepeTransactionId, paymentMode: payment.paymentMode },
          `operator:${principal.userId}`,
        );
      } else {
        // A refunded mismatch fails its payment (the period is free again); a refunded duplicate stays completed.
        const status =
          input.flag === 'amount_mismatch' && payment.status === 'pending' ? 'failed' : payment.status;
        await deps.payments.save({ ...resolved, status }, payment.version);
      }
    } catch (error) {
      if (error instanceof ConditionalWriteError) continue;
      throw error;
    }
    logger.info('Payment flag resolved', {
      payment_id: paymentId,
      flag: input.flag,
      resolution: input.resolution,
      by: principal.userId,
    });
    const saved = await deps.payments.get(paymentId);
    if (!saved) throw new NotFoundError();
    return saved;
  }
  throw new ConflictError(`Payment ${paymentId} kept changing; try again.`);
}
