import type { Payment } from '../domain/entities';

/**
 * A payment's flags say why it needs an operator's eye or how it got where it is. Two of them stop the money
 * path until an operator records a resolution (docs/payments.md, "Operator flags"):
 * - `amount_mismatch`: PhonePe said COMPLETED for another amount than the rent. The payment stays pending,
 *   holds its period and gets no payout until it is resolved as refunded (it fails, the period is free) or
 *   accepted (it completes and pays out the rent).
 * - `duplicate_payment`: the payment completed after another payment had already paid its unit and period.
 *   It is completed (PhonePe took the money) but never paid out; it is to be refunded.
 */
export const OPERATOR_FLAGS = ['amount_mismatch', 'duplicate_payment'] as const;
export type OperatorFlag = (typeof OPERATOR_FLAGS)[number];

/** The other flags, for the record. */
export const PaymentFlags = {
  amountMismatch: 'amount_mismatch',
  duplicatePayment: 'duplicate_payment',
  refunded: 'refunded',
  createFailed: 'phonepe_create_failed',
  /** The create attempt died after claiming the period, before a checkout URL was saved. */
  checkoutLost: 'checkout_lost',
  /** Past its order's lifetime, PhonePe still did not know the order: nobody could have paid it. */
  orderNotFound: 'phonepe_order_not_found',
  lateCompletionAfter: (status: string) => `late_completion_after_${status}`,
} as const;

export function withFlag(flags: readonly string[], flag: string): string[] {
  return flags.includes(flag) ? [...flags] : [...flags, flag];
}

export function isResolved(payment: Payment, flag: OperatorFlag): boolean {
  return (payment.resolutions ?? []).some((r) => r.flag === flag);
}

/** The operator flag a payment is waiting on, if any (a payment carries at most one open at a time). */
export function openFlag(payment: Payment): OperatorFlag | null {
  return OPERATOR_FLAGS.find((flag) => payment.flags.includes(flag) && !isResolved(payment, flag)) ?? null;
}
