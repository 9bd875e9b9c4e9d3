import type { CashfreeClient, CashfreeTransfer } from '../clients/cashfree-client';
import {
  CashfreeConflictError,
  CashfreeOutcomeUnknownError,
  CashfreeRateLimitedError,
  CashfreeRejectedError,
} from '../clients/cashfree-client';
import { NOT_ACCEPTED } from '../domain/attempt-status';
import type { OwnerPayout } from '../domain/entities';
import { transferIdFor } from '../domain/ids';
import { checkPayoutDestination, maskDestination } from '../domain/payment-details';
import type { PayoutDestination } from '../domain/payment-details';
import { pollWaitSeconds, retryWaitSeconds } from '../domain/payout-policy';
import { ConditionalWriteError } from '../errors';
import { LogMessages, logger } from '../logger';
import type { DirectoryRepository } from '../repositories/directory-repository';
import type { ApplyDeps } from './apply-transfer-status';
import { applyTransferStatus, logFields } from './apply-transfer-status';
import { askCashfree } from './ask-cashfree';
import { PayoutFailedError, PayoutNotFoundError, TransferOutcomeUnknownError } from './errors';
import type { WorkflowState } from './workflow-state';

export interface WorkflowDeps extends ApplyDeps {
  directory: DirectoryRepository;
  cashfree: Pick<CashfreeClient, 'createTransfer' | 'getTransfer'>;
}

async function load(deps: WorkflowDeps, payoutId: string): Promise<OwnerPayout> {
  const payout = await deps.payouts.get(payoutId);
  if (!payout) throw new PayoutNotFoundError(payoutId);
  return payout;
}

function endIfFinal(payout: OwnerPayout): 'completed' | null {
  if (payout.status === 'completed') return 'completed';
  if (payout.status === 'failed' || payout.status === 'reversed') {
    throw new PayoutFailedError(payout.errorMessage || `Payout is ${payout.status}`);
  }
  return null;
}

/**
 * Fails the payout. `closing` names the current attempt when Cashfree never took its transfer (it refused the
 * request, or has no transfer under the id and none will be sent): the attempt is recorded NOT_ACCEPTED, so no
 * one waits for it.
 */
async function failPayout(
  deps: WorkflowDeps,
  payout: OwnerPayout,
  message: string,
  logMessage: string,
  closing?: { transferId: string; code: string; description: string },
): Promise<never> {
  const now = deps.now().toISOString();
  const attempts = closing
    ? payout.attempts.map((a) =>
        a.transferId === closing.transferId
          ? {
              ...a,
              cashfreeStatus: NOT_ACCEPTED,
              statusCode: closing.code,
              description: closing.description,
              updatedAt: now,
            }
          : a,
      )
    : payout.attempts;
  await deps.payouts.save(
    { ...payout, status: 'failed', errorMessage: message, attempts, updatedAt: now },
    payout,
  );
  logger.error(logMessage, { ...logFields(payout), error_message: message });
  throw new PayoutFailedError(message);
}

/**
 * Asks Cashfree about the transfer id of an attempt whose outcome we do not know. Only its answer ends the
 * question: a transfer, or "no such transfer" (absent). Any other outcome of the status read (a 4xx, 5xx,
 * timeout, unreadable answer) is TransferOutcomeUnknownError, retried by the state machine, which asks again;
 * a rate limit waits; an authentication error fails the execution for an operator to redrive.
 */
async function askAboutAttempt(
  deps: WorkflowDeps,
  payout: OwnerPayout,
  transferId: string,
): Promise<{ kind: 'transfer'; transfer: CashfreeTransfer } | { kind: 'absent' } | RateLimited> {
  const answer = await askCashfree(deps.cashfree, transferId);
  if (answer.kind === 'unavailable') {
    logger.warn('Cashfree could not say what became of the transfer; asking again', {
      ...logFields(payout),
      transfer_id: transferId,
      error: answer.reason,
    });
    throw new TransferOutcomeUnknownError(`Outcome of transfer ${transferId} is unknown: ${answer.reason}`);
  }
  return answer;
}

type RateLimited = { kind: 'rate_limited'; seconds: number };

/** The owner's destination now (details can change between attempts: a fixed account is used next time). */
async function destinationOf(
  deps: WorkflowDeps,
  payout: OwnerPayout,
): Promise<{ ok: true; destination: PayoutDestination; name: string } | { ok: false; reason: string }> {
  const owner = await deps.directory.getOwnerForPayout(payout.ownerId);
  if (!owner) return { ok: false, reason: 'owner record not found' };
  const check = checkPayoutDestination(owner.paymentDetails);
  return check.ok ? { ok: true, destination: check.destination, name: owner.name } : check;
}

/**
 * Task ValidatePayout. Primary course: a pending payout's owner has valid bank or UPI details; record the
 * beneficiary type. Invalid or missing details fail the payout ("Payout validation failed: ...") with no
 * Cashfree call.
 */
export async function validatePayout(deps: WorkflowDeps, state: WorkflowState): Promise<WorkflowState> {
  const payout = await load(deps, state.payoutId);
  if (endIfFinal(payout)) return { ...state, step: 'completed' };
  if (payout.status === 'processing') return { ...state, step: 'validated' };
  const dest = await destinationOf(deps, payout);
  if (!dest.ok) {
    return failPayout(deps, payout, `Payout validation failed: ${dest.reason}`, LogMessages.validationFailed);
  }
  if (payout.beneficiaryType !== dest.destination.type) {
    await deps.payouts.save(
      { ...payout, beneficiaryType: dest.destination.type, updatedAt: deps.now().toISOString() },
      payout,
    );
  }
  return { ...state, step: 'validated' };
}

/**
 * Sends an attempt's transfer, asking Cashfree about its id first when we do not know its outcome; sends it
 * (with the same id) only when Cashfree has no transfer under it. Invariant 2: no second transfer for an attempt,
 * whatever failed before. Only a create that Cashfree refused before accepting anything (a 4xx other than 409)
 * ends the attempt here.
 */
async function ensureSubmitted(
  deps: WorkflowDeps,
  payout: OwnerPayout,
  transferId: string,
  destination: PayoutDestination,
  name: string,
  askFirst: boolean,
): Promise<{ kind: 'transfer'; transfer: CashfreeTransfer } | RateLimited> {
  let ask = askFirst;
  for (let send = 0; send < 2; send += 1) {
    if (ask) {
      const found = await askAboutAttempt(deps, payout, transferId);
      if (found.kind !== 'absent') return found;
    }
    try {
      const created = await deps.cashfree.createTransfer({
        transferId,
        amountPaise: payout.amountPaise,
        destination,
        beneficiaryName: name,
        remarks: `Rent payout ${payout.paymentId}`,
      });
      logger.info(LogMessages.transferInitiated, {
        ...logFields(payout),
        transfer_id: transferId,
        cashfree_status: created.status,
        destination: maskDestination(destination),
      });
      return { kind: 'transfer', transfer: created };
    } catch (error) {
      if (error instanceof CashfreeRateLimitedError)
        return { kind: 'rate_limited', seconds: error.retryAfterSeconds };
      if (error instanceof CashfreeRejectedError) {
        return failPayout(
          deps,
          payout,
          `Cashfree rejected the transfer: ${error.message}`,
          LogMessages.payoutFailed,
          { transferId, code: error.code, description: error.message },
        );
      }
      if (error instanceof CashfreeOutcomeUnknownError || error instanceof CashfreeConflictError) {
        logger.warn('Cashfree transfer outcome unknown; asking Cashfree before anything else', {
          ...logFields(payout),
          transfer_id: transferId,
          error: error.message,
        });
        ask = true;
        continue;
      }
      throw error;
    }
  }
  throw new TransferOutcomeUnknownError(`Outcome of transfer ${transferId} is still unknown`);
}

/**
 * Task SubmitTransfer. Primary course: a pending (or retry_scheduled) payout becomes processing with a new
 * attempt and transfer id, then Cashfree receives the transfer. Re-entered for a processing payout (a retry
 * of this task, a redrive), it asks Cashfree about the current transfer id before sending anything.
 */
export async function submitTransfer(deps: WorkflowDeps, state: WorkflowState): Promise<WorkflowState> {
  let payout = await load(deps, state.payoutId);
  if (endIfFinal(payout)) return { ...state, step: 'completed' };
  const dest = await destinationOf(deps, payout);
  let askFirst = true;
  if (payout.status === 'pending' || payout.status === 'retry_scheduled') {
    if (!dest.ok)
      return failPayout(
        deps,
        payout,
        `Payout validation failed: ${dest.reason}`,
        LogMessages.validationFailed,
      );
    const attempt = payout.attempt + 1;
    const transferId = transferIdFor(payout.id, attempt);
    const now = deps.now().toISOString();
    // Conditional on the status and version read: a concurrent run loses here (ConditionalWriteError, retried
    // by the state machine, which then re-reads and finds the payout processing).
    payout = await deps.payouts.save(
      {
        ...payout,
        status: 'processing',
        attempt,
        beneficiaryType: dest.destination.type,
        cashfreeTransferId: transferId,
        attempts: [
          ...payout.attempts,
          {
            attempt,
            run: payout.run,
            transferId,
            cashfreeStatus: 'SUBMITTING',
            statusCode: null,
            description: null,
            cfTransferId: null,
            utr: null,
            requestedAt: now,
            updatedAt: now,
          },
        ],
        updatedAt: now,
      },
      payout,
    );
    // A brand-new id cannot exist at Cashfree yet: send straight away.
    askFirst = false;
  }
  const transferId = payout.cashfreeTransferId ?? transferIdFor(payout.id, payout.attempt);
  let result: { kind: 'transfer'; transfer: CashfreeTransfer } | RateLimited;
  if (dest.ok) {
    result = await ensureSubmitted(deps, payout, transferId, dest.destination, dest.name, askFirst);
  } else {
    // An attempt whose outcome is unknown and details that became invalid: ask, never send.
    const found = await askAboutAttempt(deps, payout, transferId);
    if (found.kind === 'absent')
      return failPayout(
        deps,
        payout,
        `Payout validation failed: ${dest.reason}`,
        LogMessages.validationFailed,
        {
          transferId,
          code: 'NOT_SENT',
          description: `Not sent: ${dest.reason}`,
        },
      );
    result = found;
  }
  if (result.kind === 'rate_limited') {
    logger.warn('Cashfree rate limit: waiting before asking again', {
      ...logFields(payout),
      wait_seconds: result.seconds,
    });
    return { ...state, step: 'rate_limited', waitSeconds: result.seconds };
  }
  await applyTransferStatus(deps, payout.id, result.transfer);
  return { ...state, step: 'submitted', checks: 0, waitSeconds: pollWaitSeconds(deps.policy, 0) };
}

/**
 * Task CheckTransfer. Primary course: ask Cashfree for the current attempt, apply it through the one
 * transition function, and tell the state machine what comes next (poll again, retry, done).
 */
export async function checkTransfer(deps: WorkflowDeps, state: WorkflowState): Promise<WorkflowState> {
  let payout = await load(deps, state.payoutId);
  if (endIfFinal(payout)) return { ...state, step: 'completed' };
  if (payout.status === 'pending') return { ...state, step: 'resubmit', waitSeconds: 0 };
  if (payout.status === 'processing') {
    const transferId = payout.cashfreeTransferId ?? transferIdFor(payout.id, payout.attempt);
    const answer = await askCashfree(deps.cashfree, transferId);
    if (answer.kind === 'unavailable' || answer.kind === 'rate_limited') {
      // A status check that cannot be had (a 4xx, 5xx, timeout, rate limit) is just a later check: only
      // Cashfree's answer about the transfer moves the attempt.
      const checks = state.checks + 1;
      return { ...state, step: 'pending', checks, waitSeconds: pollWaitSeconds(deps.policy, checks) };
    }
    // Cashfree has no such transfer: our send never arrived. Submit resolves it (404 -> send the same id).
    if (answer.kind === 'absent') return { ...state, step: 'resubmit', waitSeconds: 0 };
    payout = await applyTransferStatus(deps, payout.id, answer.transfer);
    if (endIfFinal(payout)) return { ...state, step: 'completed' };
  }
  if (payout.status === 'retry_scheduled') {
    return {
      ...state,
      step: 'retry',
      checks: 0,
      waitSeconds: retryWaitSeconds(deps.policy, payout.attempt + 1),
    };
  }
  const checks = state.checks + 1;
  const processingSeconds =
    (deps.now().getTime() - Date.parse(payout.attempts.at(-1)?.requestedAt ?? payout.updatedAt)) / 1000;
  if (!payout.needsAttention && processingSeconds > deps.policy.attentionAfterSeconds) {
    try {
      await deps.payouts.save(
        { ...payout, needsAttention: true, updatedAt: deps.now().toISOString() },
        payout,
      );
      logger.warn('Owner payout needs attention: still processing at Cashfree', {
        ...logFields(payout),
        processing_seconds: Math.round(processingSeconds),
      });
    } catch (error) {
      if (!(error instanceof ConditionalWriteError)) throw error;
    }
  }
  return { ...state, step: 'pending', checks, waitSeconds: pollWaitSeconds(deps.policy, checks) };
}
