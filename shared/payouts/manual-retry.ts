import type { CashfreeClient } from '../clients/cashfree-client';
import { isAttemptFinal, NOT_ACCEPTED, SUBMITTING } from '../domain/attempt-status';
import type { OwnerPayout, PayoutAttempt } from '../domain/entities';
import { ConditionalWriteError, ConflictError, NotFoundError, UnavailableError } from '../errors';
import { logger } from '../logger';
import type { PayoutRepository } from '../repositories/payout-repository';
import type { ApplyDeps } from './apply-transfer-status';
import { applyTransferStatus, logFields } from './apply-transfer-status';
import { askCashfree } from './ask-cashfree';
import { describeRun } from './payout-runs';
import { startPayoutRun } from './start-payout';
import type { StartPayoutDeps } from './start-payout';

export type ManualRetryDeps = StartPayoutDeps &
  ApplyDeps & { payouts: PayoutRepository; cashfree: Pick<CashfreeClient, 'getTransfer'> };

/**
 * The admin action "Retry selected failed payouts". Primary course: every earlier attempt of a failed payout is
 * final at Cashfree and none paid the owner; the payout goes to retry_scheduled and a new workflow run starts
 * (`<payoutId>-<run+1>`); its first attempt takes the next attempt number, so no transfer id is reused, and it
 * uses the owner's payment details as they are now. needs_attention is left as it is: an operator clears it.
 *
 * Refused (409, saying which attempt and what Cashfree said) while an earlier attempt is SUCCESS or not final at
 * Cashfree; what Cashfree says is applied first (a SUCCESS completes the payout). A retry whose run could not be
 * started (StartExecution failed) is started by clicking again, or by the payout reconciler.
 */
export async function manualRetry(
  deps: ManualRetryDeps,
  payoutId: string,
  actor: string,
): Promise<OwnerPayout> {
  const payout = await deps.payouts.get(payoutId);
  if (!payout) throw new NotFoundError();
  if (payout.status === 'retry_scheduled') return startScheduledRun(deps, payout, actor);
  if (payout.status !== 'failed') {
    throw new ConflictError(`Only failed payouts can be retried; this one is ${payout.status}.`);
  }
  let checked = payout;
  for (const attempt of payout.attempts) checked = await confirmAttemptClosed(deps, checked, attempt);

  const now = deps.now().toISOString();
  const next: OwnerPayout = {
    ...checked,
    status: 'retry_scheduled',
    run: checked.run + 1,
    retryCount: checked.retryCount + 1,
    errorMessage: '',
    updatedAt: now,
  };
  // Conditional on the failed status and version read: two admins clicking at once start one run.
  let saved: OwnerPayout;
  try {
    saved = await deps.payouts.save(next, checked);
  } catch (error) {
    if (error instanceof ConditionalWriteError)
      throw new ConflictError('The payout changed meanwhile; reload and try again.');
    throw error;
  }
  logger.info('Owner payout manual retry', { ...logFields(saved), run: saved.run, actor });
  await startRun(deps, saved);
  return saved;
}

/**
 * Asks Cashfree about one earlier attempt and applies its answer. Passes only when Cashfree says the attempt is
 * final and did not pay (FAILED, REJECTED, REVERSED), or has no transfer for an attempt it never took.
 */
async function confirmAttemptClosed(
  deps: ManualRetryDeps,
  payout: OwnerPayout,
  attempt: PayoutAttempt,
): Promise<OwnerPayout> {
  const name = `Attempt ${attempt.attempt} (${attempt.transferId})`;
  const answer = await askCashfree(deps.cashfree, attempt.transferId);
  if (answer.kind === 'rate_limited' || answer.kind === 'unavailable')
    throw new UnavailableError(
      `Cashfree could not be asked about ${name}; nothing was retried. Try again shortly.`,
    );
  if (answer.kind === 'absent') {
    if (attempt.cashfreeStatus === SUBMITTING || attempt.cashfreeStatus === NOT_ACCEPTED) return payout;
    throw new ConflictError(
      `${name}: Cashfree has no such transfer, although it was recorded as ${attempt.cashfreeStatus}; check with Cashfree before retrying.`,
    );
  }
  const after = await applyTransferStatus(deps, payout.id, answer.transfer);
  const status = answer.transfer.status.toUpperCase();
  if (status === 'SUCCESS') {
    const utr = answer.transfer.transfer_utr ? `, UTR ${answer.transfer.transfer_utr}` : '';
    throw new ConflictError(
      `${name} is SUCCESS at Cashfree${utr}: the owner has been paid, so it is not retried; the payout is now ${after.status}.`,
    );
  }
  if (!isAttemptFinal(status)) {
    throw new ConflictError(
      `${name} is ${status} at Cashfree, not final yet: it may still pay the owner; retry only once Cashfree has failed it.`,
    );
  }
  if (after.status !== 'failed')
    throw new ConflictError(`The payout is now ${after.status}; reload before retrying.`);
  return after;
}

/**
 * A retry_scheduled payout whose run has no execution (the first click's StartExecution failed): start it now.
 * One whose execution exists is already on its way.
 */
async function startScheduledRun(
  deps: ManualRetryDeps,
  payout: OwnerPayout,
  actor: string,
): Promise<OwnerPayout> {
  const run = await describeRun(deps, payout);
  if (run.kind !== 'missing') {
    throw new ConflictError(
      `A retry of this payout is already scheduled (run ${payout.run}, execution ${run.kind === 'running' ? 'RUNNING' : run.status}).`,
    );
  }
  logger.info('Owner payout manual retry', {
    ...logFields(payout),
    run: payout.run,
    actor,
    run_was_missing: true,
  });
  await startRun(deps, payout);
  return payout;
}

async function startRun(deps: ManualRetryDeps, payout: OwnerPayout): Promise<void> {
  try {
    await startPayoutRun(deps, payout);
  } catch (error) {
    logger.error('Owner payout manual retry: workflow not started', {
      ...logFields(payout),
      run: payout.run,
      error: (error as Error).message,
    });
    throw new UnavailableError(
      `The retry is recorded (run ${payout.run}) but its workflow could not be started; retry again to start it (the payout reconciler also starts it).`,
      { cause: error },
    );
  }
}
