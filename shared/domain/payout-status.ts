/**
 * Payout statuses and the only moves between them (DESIGN "Payout statuses"). Every status write is
 * conditional on the status it expects, so a duplicate, late or replayed event cannot move a payout backwards.
 */
export const PAYOUT_STATUSES = [
  'pending',
  'processing',
  'retry_scheduled',
  'completed',
  'failed',
  'reversed',
] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];

const ALLOWED: Record<PayoutStatus, readonly PayoutStatus[]> = {
  pending: ['processing', 'failed'],
  processing: ['completed', 'retry_scheduled', 'failed'],
  retry_scheduled: ['processing', 'failed'],
  completed: ['reversed'],
  // Only a manual retry (an operator's decision) leaves failed.
  failed: ['retry_scheduled'],
  reversed: [],
};

export function canTransition(from: PayoutStatus, to: PayoutStatus): boolean {
  return ALLOWED[from].includes(to);
}

/** The statuses a payout may be in for a move to `to`: the condition of the write. */
export function allowedSources(to: PayoutStatus): PayoutStatus[] {
  return PAYOUT_STATUSES.filter((from) => canTransition(from, to));
}

export function isTerminal(status: PayoutStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'reversed';
}

export const PAYMENT_STATUSES = ['pending', 'completed', 'failed', 'expired'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
