/**
 * Payout statuses and the only moves between them (docs/workflow.md). Every status write is
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
  // processing -> reversed: REVERSED is the first status we learn of a transfer that succeeded and came back.
  processing: ['completed', 'retry_scheduled', 'failed', 'reversed'],
  // -> completed from retry_scheduled, failed and reversed: a SUCCESS for any attempt wins. Cashfree's evidence
  // that money moved overrides our earlier conclusion (a failure it reported for that or another attempt, a
  // reversal of another attempt), so the completed payouts always match the money Cashfree paid.
  retry_scheduled: ['processing', 'failed', 'completed'],
  completed: ['reversed'],
  // Otherwise only a manual retry (an operator's decision) leaves failed.
  failed: ['retry_scheduled', 'completed'],
  reversed: ['completed'],
};

export function canTransition(from: PayoutStatus, to: PayoutStatus): boolean {
  return ALLOWED[from].includes(to);
}

/** The statuses a payout may be in for a move to `to`: the condition of the write. */
export function allowedSources(to: PayoutStatus): PayoutStatus[] {
  return PAYOUT_STATUSES.filter((from) => canTransition(from, to));
}

/** The workflow run's work is done (a final status can still move on evidence: see ALLOWED). */
export function isTerminal(status: PayoutStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'reversed';
}

export const PAYMENT_STATUSES = ['pending', 'completed', 'failed', 'expired'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
