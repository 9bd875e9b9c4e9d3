import { paymentIdFromMerchantOrderId } from '../domain/ids';
import { ConditionalWriteError } from '../errors';
import { logger } from '../logger';
import type { PaymentRepository } from '../repositories/payment-repository';

export interface RefundEvent {
  merchantOrderId: string;
  merchantRefundId: string;
  state: string;
  amount: number | null;
  event: string;
}

/**
 * Records a PhonePe refund event on its payment (once per refund id and state). Nothing else happens
 * automatically: a refund of rent that was already paid out to the owner is money to recover from the owner,
 * which is an operator's decision (docs/payments.md). The warning line is what operators search for.
 */
export async function recordRefund(
  deps: { payments: PaymentRepository; now: () => Date },
  refund: RefundEvent,
): Promise<'recorded' | 'duplicate' | 'unknown_order'> {
  const paymentId = paymentIdFromMerchantOrderId(refund.merchantOrderId);
  for (let round = 0; round < 5; round += 1) {
    const payment = paymentId ? await deps.payments.get(paymentId) : null;
    if (!payment) {
      logger.warn('PhonePe refund for an unknown order', {
        merchant_order_id: refund.merchantOrderId,
        merchant_refund_id: refund.merchantRefundId,
      });
      return 'unknown_order';
    }
    const refunds = payment.refunds ?? [];
    if (refunds.some((r) => r.merchantRefundId === refund.merchantRefundId && r.state === refund.state))
      return 'duplicate';
    const now = deps.now().toISOString();
    try {
      await deps.payments.save(
        {
          ...payment,
          refunds: [
            ...refunds,
            {
              merchantRefundId: refund.merchantRefundId,
              state: refund.state,
              amountPaise: refund.amount,
              event: refund.event,
              recordedAt: now,
            },
          ],
          flags:
            payment.flags.includes('refunded') || refund.state !== 'COMPLETED'
              ? payment.flags
              : [...payment.flags, 'refunded'],
          updatedAt: now,
        },
        payment.version,
      );
      logger.warn('PhonePe refund recorded', {
        payment_id: payment.id,
        merchant_refund_id: refund.merchantRefundId,
        state: refund.state,
        amount_paise: refund.amount,
        payment_status: payment.status,
      });
      return 'recorded';
    } catch (error) {
      if (error instanceof ConditionalWriteError) continue;
      throw error;
    }
  }
  throw new ConditionalWriteError(
    `Payment for ${refund.merchantOrderId} kept changing while recording a refund`,
  );
}
