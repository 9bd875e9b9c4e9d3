import { canAdvanceAttempt } from './attempt-status';
import type { OwnerPayout, PayoutAttempt } from './entities';
import type { PayoutPolicy } from './payout-policy';
import { canTransition } from './payout-status';
import type { PayoutStatus } from './payout-status';
import { classifyTransfer } from './transfer-outcome';

/** What Cashfree says about one transfer: a Get Transfer Status answer, or a webhook's transfer object. */
export interface TransferReport {
  transferId: string;
  status: string;
  statusCode: string | null;
  statusDescription: string | null;
  utr: string | null;
  cfTransferId: string | null;
}

/** Something an operator must hear about, beyond the status change itself. */
export type TransferNotice =
  /** Completed by a transfer other than the one in flight, or after we had concluded retry/failed/reversed. */
  | { kind: 'late_success'; from: PayoutStatus; transferId: string }
  /** A second transfer of the payout succeeded: the owner was paid twice. */
  | { kind: 'duplicate'; transferIds: string[] }
  /** The transfer the payout was completed with came back, and another transfer of it still stands. */
  | { kind: 'success_replaced'; reversedTransferId: string; standingTransferId: string }
  /** A transfer other than the one the payout was completed with came back (a duplicate's money returned). */
  | { kind: 'other_transfer_reversed'; transferId: string };

export type TransferDecision =
  | { kind: 'ignored'; reason: 'unknown_transfer' | 'stale' | 'unchanged' }
  | { kind: 'changed'; next: OwnerPayout; notices: TransferNotice[] };

/** Attempts made by the payout's current run: automatic retries are limited per run. */
export function attemptsThisRun(p: OwnerPayout): number {
  return p.attempts.filter((a) => a.run === p.run).length;
}

const paid = (a: PayoutAttempt) => a.cashfreeStatus === 'SUCCESS';

/**
 * The one rule for what a Cashfree report does to a payout (used by the workflow's poll, the Cashfree webhook,
 * check_status, manual retry and the payout reconciler). Decided on status + status_code, never on a webhook's
 * event name.
 *
 * - The attempt's status moves forward only (attempt-status.ts): a stale report changes nothing.
 * - A SUCCESS for any attempt wins: the payout becomes completed with that attempt's transfer id and UTR, from
 *   processing, retry_scheduled, failed or reversed. A second attempt that also succeeded flags the payout as a
 *   duplicate payment (and needs_attention); it stays completed with the first.
 * - REVERSED of the transfer the payout was completed with makes it reversed, unless another of its transfers
 *   succeeded (then that one stands). REVERSED of the current attempt of a processing payout (we never saw its
 *   SUCCESS) makes it reversed too.
 * - FAILED/REJECTED of the current attempt of a processing payout schedules a retry (retryable, attempts left in
 *   this run) or fails it. A failure of any other attempt is only recorded.
 */
export function decideTransferReport(
  current: OwnerPayout,
  report: TransferReport,
  policy: Pick<PayoutPolicy, 'maxAttempts'>,
  now: string,
): TransferDecision {
  const attempt = current.attempts.find((a) => a.transferId === report.transferId);
  if (!attempt) return { kind: 'ignored', reason: 'unknown_transfer' };
  const status = report.status.toUpperCase();
  const sameStatus = attempt.cashfreeStatus.toUpperCase() === status;
  if (!sameStatus && !canAdvanceAttempt(attempt.cashfreeStatus, status))
    return { kind: 'ignored', reason: 'stale' };

  const recorded: PayoutAttempt = {
    ...attempt,
    cashfreeStatus: status,
    statusCode: report.statusCode ?? (sameStatus ? attempt.statusCode : null),
    description: report.statusDescription ?? (sameStatus ? attempt.description : null),
    cfTransferId: report.cfTransferId ?? attempt.cfTransferId,
    utr: report.utr || attempt.utr,
  };
  const attemptChanged = JSON.stringify(recorded) !== JSON.stringify(attempt);
  const attempts = current.attempts.map((a) =>
    a.transferId === recorded.transferId ? (attemptChanged ? { ...recorded, updatedAt: now } : a) : a,
  );
  const outcome = classifyTransfer({
    status,
    statusCode: report.statusCode,
    statusDescription: report.statusDescription,
    utr: report.utr,
  });
  const isCurrent = recorded.attempt === current.attempt;
  const notices: TransferNotice[] = [];
  let next: OwnerPayout = { ...current, attempts };

  if (outcome.kind === 'succeeded') {
    if (current.status === 'completed') {
      if (current.cashfreeTransferId === recorded.transferId && !current.cashfreeUtr && recorded.utr)
        next = { ...next, cashfreeUtr: recorded.utr };
    } else if (current.status !== 'pending') {
      next = {
        ...next,
        status: 'completed',
        cashfreeTransferId: recorded.transferId,
        cashfreeUtr: recorded.utr,
        completedAt: now,
        errorMessage: '',
      };
      if (current.status !== 'processing' || !isCurrent)
        notices.push({ kind: 'late_success', from: current.status, transferId: recorded.transferId });
    }
    const succeeded = attempts.filter(paid);
    if (succeeded.length >= 2 && !current.duplicatePayment) {
      next = { ...next, duplicatePayment: true, needsAttention: true };
      notices.push({ kind: 'duplicate', transferIds: succeeded.map((a) => a.transferId) });
    }
  } else if (outcome.kind === 'reversed') {
    const reversed: Partial<OwnerPayout> = {
      status: 'reversed',
      cashfreeUtr: current.cashfreeUtr ?? recorded.utr,
      completedAt: current.completedAt ?? now,
      errorMessage: `Cashfree reversed the transfer: ${outcome.reason}`,
      needsAttention: true,
    };
    if (current.status === 'completed' && current.cashfreeTransferId === recorded.transferId) {
      const standing = attempts.find((a) => paid(a) && a.transferId !== recorded.transferId);
      if (standing) {
        next = { ...next, cashfreeTransferId: standing.transferId, cashfreeUtr: standing.utr };
        notices.push({
          kind: 'success_replaced',
          reversedTransferId: recorded.transferId,
          standingTransferId: standing.transferId,
        });
      } else next = { ...next, ...reversed };
    } else if (current.status === 'processing' && isCurrent) {
      next = { ...next, ...reversed };
    } else if (current.status === 'completed' && attemptChanged) {
      notices.push({ kind: 'other_transfer_reversed', transferId: recorded.transferId });
    }
  } else if (outcome.kind === 'failed' && current.status === 'processing' && isCurrent) {
    const retry = outcome.retryable && attemptsThisRun(current) < policy.maxAttempts;
    next = {
      ...next,
      status: retry ? 'retry_scheduled' : 'failed',
      retryCount: retry ? current.retryCount + 1 : current.retryCount,
      errorMessage: `Cashfree transfer failed: ${outcome.reason}`,
    };
  }

  // The rule above only makes allowed moves; should it ever not, the report is recorded and the status kept.
  if (next.status !== current.status && !canTransition(current.status, next.status)) {
    next = { ...current, attempts };
    notices.length = 0;
  }
  if (JSON.stringify(next) === JSON.stringify(current)) return { kind: 'ignored', reason: 'unchanged' };
  return { kind: 'changed', next: { ...next, updatedAt: now }, notices };
}
