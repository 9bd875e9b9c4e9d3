/** Timing and retry policy of the payout workflow, pure so it is tested without I/O. */
export interface PayoutPolicy {
  /** Automatic transfer attempts per run (attempt 1 plus retries). */
  maxAttempts: number;
  /** Seconds to wait before retry n (1-based), capped by the last entry. */
  retryBackoffSeconds: readonly number[];
  /** Poll waits: seconds first, then minutes (covers SCHEDULED_FOR_NEXT_WORKINGDAY). */
  pollScheduleSeconds: readonly number[];
  /** Past this many seconds in processing, a payout is flagged for attention (and still polled). */
  attentionAfterSeconds: number;
}

export const DEFAULT_PAYOUT_POLICY: PayoutPolicy = {
  maxAttempts: 3,
  retryBackoffSeconds: [60, 300, 900],
  pollScheduleSeconds: [5, 10, 20, 30, 60, 120, 300, 600, 900, 1800],
  attentionAfterSeconds: 6 * 3600,
};

function at(list: readonly number[], index: number): number {
  const value = list[Math.min(index, list.length - 1)];
  if (value === undefined) throw new RangeError('empty schedule');
  return value;
}

/** Wait before the (checkNumber)th status check of an attempt (0-based). */
export function pollWaitSeconds(policy: PayoutPolicy, checkNumber: number): number {
  return at(policy.pollScheduleSeconds, checkNumber);
}

/** Wait before attempt `nextAttempt` (2, 3, ...). */
export function retryWaitSeconds(policy: PayoutPolicy, nextAttempt: number): number {
  return at(policy.retryBackoffSeconds, Math.max(0, nextAttempt - 2));
}
