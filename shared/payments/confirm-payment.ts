import type { PhonePeClient, PhonePeOrderStatus } from '../clients/phonepe-client';
import { PhonePeApiError } from '../clients/phonepe-client';
import type { Payment } from '../domain/entities';
import { paymentIdFromMerchantOrderId } from '../domain/ids';
import { ConditionalWriteError } from '../errors';
import { LogMessages, logger } from '../logger';
import type { PaymentRepository } from '../repositories/payment-repository';
import { openFlag, PaymentFlags, withFlag } from './payment-flags';

export interface ConfirmPaymentDeps {
  payments: PaymentRepository;
  phonepe: Pick<PhonePeClient, 'getOrderStatus'>;
  now: () => Date;
}

export type ConfirmOutcome =
  | 'completed'
  | 'duplicate'
  | 'failed'
  | 'still_pending'
  | 'already_final'
  | 'amount_mismatch'
  | 'unknown_order'
  | 'not_found_at_phonepe';

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
    // PhonePe already said COMPLETED (for another amount), which is final: an operator decides what follows.
    if (openFlag(payment) === PaymentFlags.amountMismatch) return 'amount_mismatch';
    let order: PhonePeOrderStatus;
    try {
      order = await deps.phonepe.getOrderStatus(payment.merchantOrderId);
    } catch (error) {
      // PhonePe has no such order (its order-status API's 404 ORDER_NOT_FOUND): its create never reached
      // PhonePe, or has not yet. Nobody can pay an order PhonePe does not know; the reconciler expires the
      // payment once the order's lifetime is over. Any other error decides nothing.
      if (error instanceof PhonePeApiError && error.code === 'ORDER_NOT_FOUND') return 'not_found_at_phonepe';
      throw error;
    }
    const state = order.state.toUpperCase();
    const now = deps.now().toISOString();
    const detail =
      order.paymentDetails?.find((d) => d.state?.toUpperCase() === 'COMPLETED') ?? order.paymentDetails?.[0];
    const collected = {
      transactionId: detail?.transactionId ?? null,
      paymentMode: detail?.paymentMode ?? null,
    };
    try {
      if (state === 'COMPLETED' && order.amount !== payment.amountPaise) {
        await deps.payments.save(
          {
            ...payment,
            flags: withFlag(payment.flags, PaymentFlags.amountMismatch),
            phonepeAmountPaise: order.amount,
            phonepeTransactionId: collected.transactionId,
            paymentMode: collected.paymentMode,
            updatedAt: now,
          },
          payment.version,
        );
        logger.warn(LogMessages.paymentAmountMismatch, {
          payment_id: payment.id,
          merchant_order_id: payment.merchantOrderId,
          expected_paise: payment.amountPaise,
          phonepe_paise: order.amount,
          source,
        });
        return 'amount_mismatch';
      }
      if (state === 'COMPLETED') return await completePayment(deps, payment, collected, source);
      if (state === 'FAILED' && payment.status === 'pending') {
        await deps.payments.save({ ...payment, status: 'failed', updatedAt: now }, payment.version);
        return 'failed';
      }
      return payment.status === 'pending' ? 'still_pending' : 'already_final';
    } catch (error) {
      // Someone else (a duplicate webhook, the reconciler, another payment of the period) moved first: read
      // again and decide again.
      if (error instanceof ConditionalWriteError) continue;
      throw error;
    }
  }
  throw new ConditionalWriteError(`Payment for ${merchantOrderId} kept changing; giving up this round`);
}

/**
 * Completes a payment whose money PhonePe collected: the webhook's and the reconciler's path, and an
 * operator's acceptance of an amount mismatch. The owner is paid once per unit and period, so the payment that
 * completes first holds the period; one that completes after it (a late success of an attempt the tenant gave
 * up on, after paying again) is still completed, since the money was taken, but flagged `duplicate_payment`
 * for a refund, and it gets no payout. Throws ConditionalWriteError when the payment or its period changed
 * meanwhile: read again and call again.
 */
export async function completePayment(
  deps: { payments: PaymentRepository; now: () => Date },
  payment: Payment,
  collected: { transactionId: string | null; paymentMode: string | null },
  source: string,
): Promise<'completed' | 'duplicate'> {
  const now = deps.now().toISOString();
  const completed: Payment = {
    ...payment,
    status: 'completed',
    // A late success after we gave up (failed/expired) still means the tenant paid: complete it and flag it.
    flags:
      payment.status === 'pending'
        ? payment.flags
        : withFlag(payment.flags, PaymentFlags.lateCompletionAfter(payment.status)),
    completedAt: now,
    updatedAt: now,
    phonepeTransactionId: collected.transactionId ?? payment.phonepeTransactionId,
    paymentMode: collected.paymentMode ?? payment.paymentMode,
  };
  const holder = await deps.payments.getForPeriod(payment.unitId, payment.period);
  if (holder && holder.id !== payment.id && holder.status === 'completed') {
    await deps.payments.save(
      {
        ...completed,
        flags: withFlag(completed.flags, PaymentFlags.duplicatePayment),
        duplicateOf: holder.id,
      },
      payment.version,
    );
    logger.error(LogMessages.duplicatePayment, {
      payment_id: payment.id,
      duplicate_of: holder.id,
      unit_id: payment.unitId,
      period: payment.period,
      owner_id: payment.ownerId,
      amount_paise: payment.amountPaise,
      source,
    });
    return 'duplicate';
  }
  // Takes the period's claim; PeriodAlreadyPaidError (a ConditionalWriteError) if another payment won it.
  await deps.payments.save(completed, payment.version);
  logger.info(LogMessages.paymentCompleted, { payment_id: payment.id, owner_id: payment.ownerId, source });
  return 'completed';
}
