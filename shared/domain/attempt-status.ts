/**
 * The recorded status of one transfer attempt, and the only moves it makes. Reports about a transfer arrive out
 * of order (a webhook retried for minutes, a poll answered before a webhook, a replay), so an attempt's status
 * moves forward only; a report that would move it back is stale and changes nothing.
 *
 *   SUBMITTING -> RECEIVED -> APPROVAL_PENDING | QUEUED | PENDING | (any other non-final status)
 *              -> FAILED | REJECTED | MANUALLY_REJECTED | NOT_ACCEPTED
 *              -> SUCCESS -> REVERSED
 *
 * SUCCESS outranks the failures: Cashfree never reports FAILED after SUCCESS, so FAILED after SUCCESS is a stale
 * report, while SUCCESS after FAILED is Cashfree's evidence that the money moved, which beats our record of a
 * failure (a payout is never left "failed" while its money was paid).
 */

/** Ours: the attempt is recorded and its transfer request is being sent; Cashfree has not answered yet. */
export const SUBMITTING = 'SUBMITTING';
/** Ours: Cashfree refused the transfer request before accepting anything, or has no transfer under its id. */
export const NOT_ACCEPTED = 'NOT_ACCEPTED';

const FAILURES = new Set(['FAILED', 'REJECTED', 'MANUALLY_REJECTED', NOT_ACCEPTED]);

function rank(status: string): number {
  const s = status.toUpperCase();
  if (s === SUBMITTING) return 0;
  if (s === 'RECEIVED') return 1;
  if (FAILURES.has(s)) return 3;
  if (s === 'SUCCESS') return 4;
  if (s === 'REVERSED') return 5;
  // PENDING, APPROVAL_PENDING, QUEUED, SCHEDULED..., and any status Cashfree adds later: not final.
  return 2;
}

/** Final: Cashfree has decided (failed, rejected, paid, or paid and returned), or never had the transfer. */
export function isAttemptFinal(status: string): boolean {
  return rank(status) >= 3;
}

/**
 * Whether a report of `to` may replace the recorded `from`. The non-final statuses after RECEIVED come in no
 * fixed order at Cashfree (approval, queueing, the bank), so they may replace each other.
 */
export function canAdvanceAttempt(from: string, to: string): boolean {
  const a = rank(from);
  const b = rank(to);
  return b > a || (a === 2 && b === 2);
}
