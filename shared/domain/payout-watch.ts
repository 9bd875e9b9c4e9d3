import { isAttemptFinal } from './attempt-status';
import type { OwnerPayout, PayoutAttempt } from './entities';
import { isTerminal } from './payout-status';

/**
 * When the payout reconciler looks at a payout (docs/workflow.md, "The payout reconciler"). A payout is watched
 * while something about it can still change without anyone asking: its run may have stopped (pending,
 * processing, retry_scheduled), a transfer of it is still in flight at Cashfree, or it is completed and Cashfree
 * can still report REVERSED. Pure, so the schedule is tested without I/O.
 */
export interface WatchPolicy {
  /** A payout unchanged for this long is looked at: its run should have moved it by then. */
  staleAfterSeconds: number;
  /** How long after completion Cashfree is asked whether the transfer came back (REVERSED). */
  reversalWindowSeconds: number;
}

export const DEFAULT_WATCH_POLICY: WatchPolicy = {
  staleAfterSeconds: 900,
  reversalWindowSeconds: 10 * 86_400,
};

/** Reversal checks, in seconds after completion, inside the window; the window's end is always the last one. */
export const REVERSAL_CHECKS_SECONDS: readonly number[] = [
  6 * 3600,
  86_400,
  2 * 86_400,
  4 * 86_400,
  7 * 86_400,
];

type Watchable = Pick<OwnerPayout, 'status' | 'attempts'>;

/** Whether the payout is on the watch index at all (every save decides it again). */
export function isWatched(p: Watchable): boolean {
  return !isTerminal(p.status) || p.status === 'completed' || p.attempts.some(inFlight);
}

function inFlight(a: PayoutAttempt): boolean {
  return !isAttemptFinal(a.cashfreeStatus);
}

/**
 * The attempts to ask Cashfree about at a look: every attempt still in flight, the successful ones of a
 * completed payout (reversal), and the current attempt of an unfinished payout whose run is not running (a
 * running workflow asks about it itself).
 */
export function attemptsToAsk(p: OwnerPayout, runRunning: boolean): PayoutAttempt[] {
  return p.attempts.filter((a) => {
    if (!isTerminal(p.status) && a.attempt === p.attempt) return !runRunning;
    if (inFlight(a)) return true;
    return p.status === 'completed' && a.cashfreeStatus === 'SUCCESS';
  });
}

/**
 * The next look after one at `now`, or null when nothing is left to watch. `unanswered`: Cashfree could not be
 * asked about something this look, so it is asked again soon.
 */
export function nextLookAt(p: OwnerPayout, policy: WatchPolicy, now: Date, unanswered = false): Date | null {
  const soon = new Date(now.getTime() + policy.staleAfterSeconds * 1000);
  if (!isTerminal(p.status) || p.attempts.some(inFlight) || unanswered) return soon;
  if (p.status !== 'completed' || !p.completedAt) return null;
  const completed = Date.parse(p.completedAt);
  const checks = [
    ...REVERSAL_CHECKS_SECONDS.filter((s) => s < policy.reversalWindowSeconds),
    policy.reversalWindowSeconds,
  ];
  for (const seconds of checks) {
    const at = completed + seconds * 1000;
    if (at > now.getTime()) return new Date(at);
  }
  return null;
}

/**
 * The watch index orders payouts by a mark: a payout is due when its mark is `staleAfterSeconds` old. A save
 * marks it with its `updatedAt` (due when unchanged that long); a look sets the mark so that it is due at the
 * next look.
 */
export function markFor(lookAt: Date, policy: WatchPolicy): string {
  return new Date(lookAt.getTime() - policy.staleAfterSeconds * 1000).toISOString();
}

export function dueBefore(now: Date, policy: WatchPolicy): string {
  return markFor(now, policy);
}
