import type { PhonePeClient } from '../clients/phonepe-client';
import { PhonePeApiError, PhonePeUnavailableError } from '../clients/phonepe-client';
import { ConditionalWriteError } from '../errors';
import { logger } from '../logger';
import type { PaymentRepository } from '../repositories/payment-repository';
import { confirmPayment } from './confirm-payment';

export interface ReconcileDeps {
  payments: PaymentRepository;
  phonepe: Pick<PhonePeClient, 'getOrderStatus'>;
  now: () => Date;
}

export interface ReconcilePolicy {
  /** PhonePe: the first status check 20-25 s after the payment started. */
  firstCheckAfterSeconds: number;
  /** After expiry, how long an order PhonePe still calls PENDING is given before it is marked expired. */
  expiryGraceSeconds: number;
  /** Payments looked at per run (oldest first). */
  batchSize: number;
}

export const DEFAULT_RECONCILE_POLICY: ReconcilePolicy = {
  firstCheckAfterSeconds: 25,
  expiryGraceSeconds: 600,
  batchSize: 100,
};

export interface ReconcileReport {
  checked: number;
  completed: number;
  failed: number;
  expired: number;
  stillPending: number;
  errors: number;
}

/**
 * Primary course (the scheduled reconciler): pending payments whose webhook should have come by now are
 * confirmed with PhonePe's order-status API, exactly as a webhook would have them confirmed, so a lost webhook
 * loses nothing. An order PhonePe still calls PENDING well after it expired is marked expired.
 */
export async function reconcilePendingPayments(
  deps: ReconcileDeps,
  policy: ReconcilePolicy = DEFAULT_RECONCILE_POLICY,
): Promise<ReconcileReport> {
  const report: ReconcileReport = {
    checked: 0,
    completed: 0,
    failed: 0,
    expired: 0,
    stillPending: 0,
    errors: 0,
  };
  const now = deps.now();
  for (const payment of await deps.payments.listPending(policy.batchSize)) {
    const ageSeconds = (now.getTime() - Date.parse(payment.createdAt)) / 1000;
    if (ageSeconds < policy.firstCheckAfterSeconds) continue;
    report.checked += 1;
    try {
      const outcome = await confirmPayment(deps, payment.merchantOrderId, 'reconciler');
      if (outcome === 'completed') report.completed += 1;
      else if (outcome === 'failed') report.failed += 1;
      else if (outcome === 'still_pending') {
        const expiredAt = payment.orderExpiresAt
          ? Date.parse(payment.orderExpiresAt)
          : Date.parse(payment.createdAt) + 3600_000;
        if (now.getTime() > expiredAt + policy.expiryGraceSeconds * 1000) {
          try {
            await deps.payments.save(
              { ...payment, status: 'expired', updatedAt: now.toISOString() },
              payment.version,
            );
            report.expired += 1;
            logger.warn('Payment expired without a final PhonePe state', {
              payment_id: payment.id,
              merchant_order_id: payment.merchantOrderId,
            });
          } catch (error) {
            if (!(error instanceof ConditionalWriteError)) throw error; // changed meanwhile: next run decides
          }
        } else {
          report.stillPending += 1;
        }
      }
    } catch (error) {
      // One payment PhonePe cannot answer for must not stop the others; the next run tries it again.
      if (
        error instanceof PhonePeUnavailableError ||
        error instanceof PhonePeApiError ||
        error instanceof ConditionalWriteError
      ) {
        report.errors += 1;
        logger.warn('Payment reconciliation failed for one payment', {
          payment_id: payment.id,
          error: (error as Error).message,
        });
        continue;
      }
      throw error;
    }
  }
  if (report.checked > 0) logger.info('Payment reconciliation run', { ...report });
  return report;
}
