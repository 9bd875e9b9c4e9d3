import type { PhonePeClient } from '../clients/phonepe-client';
import type { Payment } from '../domain/entities';
import { paymentIdFromMerchantOrderId } from '../domain/ids';
import { ConditionalWriteError } from '../errors';
import { LogMessages, logger } from '../logger';
import type { PaymentRepository } from '../repositories/payment-repository';

export interface ConfirmPaymentDeps {
  payments: PaymentRepository;
  phonepe: Pick<PhonePeClient, 'getOrderStatus'>;
  now: () => Date;
}

export type ConfirmOutcome =
  'completed' | 'failed' | 'still_pending' | 'already_final' | 'amount_mismatch' | 'unknown_order';

/**
 * A webhook or a reconciler tick is only a hint: the payment's state comes from PhonePe's order-status API,
 * and a payment completes only when PhonePe says COMPLETED for exactly the expected amount.
 * Writes are conditional on the version read, so duplicates and races complete a payment once.
 */
export async function confirmPayment(
  deps: ConfirmPaymentDeps,
  merchantOrderId: string,
  source: string,
): Promise<ConfirmOutcome> {
  const paymentId = paymentIdFromMerchantOrderId(merchantOrderId);
  for (let round = 0; round < 5; round += 1) {
    const payment = paymentId ? await deps.payments.get(paymentId) : null;
    if (!payment) {
      logger.warn('PhonePe event for an unknown order', { merchant_order_id: merchantOrderId, source });
      return 'unknown_order';
    }
    if (payment.status === 'completed') return 'already_final';
    const order = await deps.phonepe.getOrderStatus(payment.merchantOrderId);
    const state = order.state.toUpperCase();
    const now = deps.now().toISOString();
    let next: Payment | null = null;
    let outcome: ConfirmOutcome = 'still_pending';
    if (state === 'COMPLETED') {
      if (order.amount !== payment.amountPaise) {
        if (payment.flags.includes('amount_mismatch')) return 'amount_mismatch';
        logger.warn(LogMessages.paymentAmountMismatch, {
          payment_id: payment.id,
          merchant_order_id: payment.merchantOrderId,
          expected_paise: payment.amountPaise,
          phonepe_paise: order.amount,
          source,
        });
        next = { ...payment, flags: [...payment.flags, 'amount_mismatch'], updatedAt: now };
        outcome = 'amount_mismatch';
      } else {
        const detail =
          order.paymentDetails?.find((d) => d.state?.toUpperCase() === 'COMPLETED') ??
          order.paymentDetails?.[0];
        // A late success after we gave up (failed/expired) still means the tenant paid: complete it and flag it.
        const flags =
          payment.status === 'pending'
            ? payment.flags
            : [...payment.flags, `late_completion_after_${payment.status}`];
        next = {
          ...payment,
          status: 'completed',
          flags,
          completedAt: now,
          updatedAt: now,
          phonepeTransactionId: detail?.transactionId ?? null,
          paymentMode: detail?.paymentMode ?? null,
        };
        outcome = 'completed';
      }
    } else if (state === 'FAILED' && payment.status === 'pending') {
      next = { ...payment, status: 'failed', updatedAt: now };
      outcome = 'failed';
    } else if (payment.status !== 'pending') {
      return 'already_final';
    }
    if (!next) return outcome;
    try {
      await deps.payments.save(next, payment.version);
      if (outcome === 'completed') {
        logger.info(LogMessages.paymentCompleted, {
          payment_id: payment.id,
          owner_id: payment.ownerId,
          source,
        });
      }
      return outcome;
    } catch (error) {
      // Someone else (a duplicate webhook, the reconciler) moved it first: read again and decide again.
      if (error instanceof ConditionalWriteError) continue;
      throw error;
    }
  }
  throw new ConditionalWriteError(`Payment for ${merchantOrderId} kept changing; giving up this round`);
}
