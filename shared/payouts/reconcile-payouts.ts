import { CashfreeAuthError } from '../clients/cashfree-client';
import type { CashfreeClient } from '../clients/cashfree-client';
import { NOT_ACCEPTED, SUBMITTING } from '../domain/attempt-status';
import type { OwnerPayout } from '../domain/entities';
import { isTerminal } from '../domain/payout-status';
import { attemptsToAsk, dueBefore, markFor, nextLookAt } from '../domain/payout-watch';
import type { WatchPolicy } from '../domain/payout-watch';
import { ConditionalWriteError } from '../errors';
import { logger } from '../logger';
import type { ApplyDeps } from './apply-transfer-status';
import { applyTransfer, logFields } from './apply-transfer-status';
import { askCashfree } from './ask-cashfree';
import { describeRun, redriveRun } from './payout-runs';
import type { RunDeps, RunState } from './payout-runs';
import { startPayoutRun } from './start-payout';

export interface ReconcilePayoutsDeps extends ApplyDeps, RunDeps {
  cashfree: Pick<CashfreeClient, 'getTransfer'>;
  watch: WatchPolicy;
}

export interface ReconcilePayoutsLimits {
  /** Payouts taken from each shard of the watch index per run: bounded work, oldest first. */
  perShard: number;
  /** Payouts looked at in parallel. */
  concurrency: number;
}

/** The summary line of every run; the PayoutReconcilerActed alarm filters on it (infra/stateless-stack.ts). */
export const RUN_SUMMARY = 'Payout reconciler run';

export const DEFAULT_RECONCILE_PAYOUTS_LIMITS: ReconcilePayoutsLimits = { perShard: 250, concurrency: 8 };

export interface PayoutReconcileReport {
  /** Payouts due a look this run (taken from the watch index). */
  due: number;
  looked: number;
  /** Cashfree statuses that changed a payout nobody else had told (a lost webhook, a reversal, a late success). */
  statusesApplied: number;
  /** Runs started because their execution did not exist (a failed StartExecution). */
  runsStarted: number;
  /** Runs whose execution had failed, timed out or been aborted, restarted from the state that failed. */
  runsRedriven: number;
  /** Runs that could not be redriven, replaced by a new run (`run + 1`). */
  runsRestarted: number;
  /** Attempts of finished payouts that Cashfree never took, recorded NOT_ACCEPTED. */
  attemptsClosed: number;
  /** Transfers Cashfree could not be asked about (asked again at the next look). */
  cashfreeUnanswered: number;
  /** Looks that failed (logged; looked at again later). */
  failed: number;
  /** Due payouts left for the next run: Cashfree rate-limited us or refused our credentials. */
  deferred: number;
}

class StopLooking extends Error {
  public constructor(public readonly reason: string) {
    super(reason);
    this.name = 'StopLooking';
  }
}

/**
 * The payout reconciler (scheduled). Primary course: take the payouts due a look from the watch index (bounded,
 * oldest first), and for each one ask Cashfree about what is still open (a run that stopped, a transfer in
 * flight, a completed transfer inside the reversal window), apply the answers through the one transition
 * function, resume the run of an unfinished payout that has none running, and mark when to look next.
 */
export async function reconcilePayouts(
  deps: ReconcilePayoutsDeps,
  limits: ReconcilePayoutsLimits = DEFAULT_RECONCILE_PAYOUTS_LIMITS,
): Promise<PayoutReconcileReport> {
  const now = deps.now();
  const ids = await deps.payouts.listWatchedBefore(dueBefore(now, deps.watch), limits.perShard);
  const report: PayoutReconcileReport = {
    due: ids.length,
    looked: 0,
    statusesApplied: 0,
    runsStarted: 0,
    runsRedriven: 0,
    runsRestarted: 0,
    attemptsClosed: 0,
    cashfreeUnanswered: 0,
    failed: 0,
    deferred: 0,
  };
  const queue = [...ids];
  let stopped: string | null = null;
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      if (stopped) {
        report.deferred += 1;
        continue;
      }
      try {
        await lookAt(deps, id, now, report);
        report.looked += 1;
      } catch (error) {
        if (error instanceof StopLooking) {
          stopped ??= error.reason;
          report.deferred += 1;
          continue;
        }
        report.failed += 1;
        logger.error('Payout reconciler look failed', { payout_id: id, error: (error as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, limits.concurrency) }, worker));
  const acted = actionsOf(report);
  // One line per run; the alarm counts `acted`: each is something the workflow or a webhook should have done.
  const summary = {
    due: report.due,
    looked: report.looked,
    acted,
    statuses_applied: report.statusesApplied,
    runs_started: report.runsStarted,
    runs_redriven: report.runsRedriven,
    runs_restarted: report.runsRestarted,
    attempts_closed: report.attemptsClosed,
    cashfree_unanswered: report.cashfreeUnanswered,
    failed: report.failed,
    deferred: report.deferred,
    ...(stopped ? { stopped } : {}),
  };
  if (acted > 0 || report.failed > 0 || stopped) logger.warn(RUN_SUMMARY, summary);
  else logger.info(RUN_SUMMARY, summary);
  return report;
}

async function lookAt(
  deps: ReconcilePayoutsDeps,
  payoutId: string,
  now: Date,
  report: PayoutReconcileReport,
): Promise<void> {
  let payout = await deps.payouts.get(payoutId);
  if (!payout) return;
  const run: RunState | null = isTerminal(payout.status) ? null : await describeRun(deps, payout);
  let unanswered = false;

  for (const attempt of attemptsToAsk(payout, run?.kind === 'running')) {
    let answer;
    try {
      answer = await askCashfree(deps.cashfree, attempt.transferId);
    } catch (error) {
      if (error instanceof CashfreeAuthError) {
        logger.error('Payout reconciler stopped: Cashfree refused its credentials', { error: error.message });
        throw new StopLooking('cashfree_auth');
      }
      throw error;
    }
    if (answer.kind === 'rate_limited') throw new StopLooking('cashfree_rate_limited');
    if (answer.kind === 'unavailable') {
      unanswered = true;
      report.cashfreeUnanswered += 1;
      continue;
    }
    if (answer.kind === 'absent') {
      // An attempt of a finished payout that Cashfree never took: no run will send it, so it is closed.
      if (attempt.cashfreeStatus === SUBMITTING && isTerminal(payout.status)) {
        const closed = await applyTransfer(deps, payout.id, {
          transfer_id: attempt.transferId,
          status: NOT_ACCEPTED,
          status_code: 'transfer_id_not_found',
          status_description: 'Cashfree has no transfer under this id',
        });
        payout = closed.payout;
        if (closed.changed) report.attemptsClosed += 1;
      }
      continue;
    }
    const applied = await applyTransfer(deps, payout.id, answer.transfer);
    payout = applied.payout;
    if (applied.changed) {
      report.statusesApplied += 1;
      logger.warn('Payout reconciler applied a Cashfree status', {
        ...logFields(payout),
        transfer_id: attempt.transferId,
        cashfree_status: answer.transfer.status,
        payout_status: payout.status,
      });
    }
  }

  if (!isTerminal(payout.status) && run && run.kind !== 'running')
    payout = await resumeRun(deps, payout, run, report);

  const next = nextLookAt(payout, deps.watch, now, unanswered);
  await deps.payouts.setWatchMark(payout, next ? markFor(next, deps.watch) : null);
}

/**
 * An unfinished payout with no running execution: start its run's execution if it never existed, redrive it if
 * it failed or was aborted, and otherwise (timed out, or Step Functions cannot redrive it) start a new run.
 * Every task asks Cashfree before sending anything, so none of these can send a transfer twice.
 */
async function resumeRun(
  deps: ReconcilePayoutsDeps,
  payout: OwnerPayout,
  run: Exclude<RunState, { kind: 'running' }>,
  report: PayoutReconcileReport,
): Promise<OwnerPayout> {
  const fields = { ...logFields(payout), run: payout.run, payout_status: payout.status };
  if (run.kind === 'missing') {
    await startPayoutRun(deps, payout);
    report.runsStarted += 1;
    logger.warn('Payout run started by the reconciler', fields);
    return payout;
  }
  // A timed-out execution has spent its 30 days; a redrive would carry on under the same execution, so a new
  // run (with a timeout of its own) takes over instead.
  if (run.redrivable && run.status !== 'TIMED_OUT') {
    if (await redriveRun(deps, run.executionArn)) {
      report.runsRedriven += 1;
      logger.warn('Payout run redriven by the reconciler', {
        ...fields,
        execution_status: run.status,
        error: run.error,
      });
    }
    // Refused: the execution moved on since it was described (an operator or another look resumed it); the
    // next look decides again rather than start a second run beside it.
    return payout;
  }
  let next: OwnerPayout;
  try {
    next = await deps.payouts.save(
      { ...payout, run: payout.run + 1, updatedAt: deps.now().toISOString() },
      payout,
    );
  } catch (error) {
    if (error instanceof ConditionalWriteError) return payout; // it moved meanwhile: the next look decides
    throw error;
  }
  await startPayoutRun(deps, next);
  report.runsRestarted += 1;
  logger.warn('Payout run restarted as a new run by the reconciler', {
    ...fields,
    new_run: next.run,
    execution_status: run.status,
    error: run.error,
    reason: run.reason,
  });
  return next;
}

/** What a run did that the workflow or a webhook should have: the alarm and the dashboard count these. */
export function actionsOf(report: PayoutReconcileReport): number {
  return (
    report.statusesApplied +
    report.runsStarted +
    report.runsRedriven +
    report.runsRestarted +
    report.attemptsClosed
  );
}
