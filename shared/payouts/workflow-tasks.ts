import type { CashfreeClient, CashfreeTransfer } from '../clients/cashfree-client';
import {
  CashfreeConflictError,
  CashfreeOutcomeUnknownError,
  CashfreeRateLimitedError,
  CashfreeRejectedError,
} from '../clients/cashfree-client';
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

async function failPayout(
  deps: WorkflowDeps,
  payout: OwnerPayout,
  message: string,
  logMessage: string,
): Promise<never> {
  const now = deps.now().toISOString();
  await deps.payouts.save({ ...payout, status: 'failed', errorMessage: message, updatedAt: now }, payout);
  logger.error(logMessage, { ...logFields(payout), error_message: message });
  throw new PayoutFailedError(message);
}

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
 * Asks Cashfree for a transfer id whose outcome we do not know; sends it (with the same id) only when Cashfree
 * answers 404 for it. Invariant 2: no second transfer for an attempt, whatever failed before.
 */
async function ensureSubmitted(
  deps: WorkflowDeps,
  payout: OwnerPayout,
  transferId: string,
  destination: PayoutDestination,
  name: string,
  askFirst: boolean,
): Promise<{ kind: 'transfer'; transfer: CashfreeTransfer } | { kind: 'rate_limited'; seconds: number }> {
  let ask = askFirst;
  for (let send = 0; send < 2; send += 1) {
    try {
      if (ask) {
        const found = await deps.cashfree.getTransfer(transferId);
        if (found) return { kind: 'transfer', transfer: found };
      }
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
  if (!dest.ok) {
    // An attempt whose outcome is unknown and details that became invalid: ask, never send.
    const found = await deps.cashfree.getTransfer(transferId);
    if (!found)
      return failPayout(
        deps,
        payout,
        `Payout validation failed: ${dest.reason}`,
        LogMessages.validationFailed,
      );
    await applyTransferStatus(deps, payout.id, found);
    return { ...state, step: 'submitted', checks: 0, waitSeconds: pollWaitSeconds(deps.policy, 0) };
  }
  const result = await ensureSubmitted(deps, payout, transferId, dest.destination, dest.name, askFirst);
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
    let transfer: CashfreeTransfer | null;
    try {
      transfer = await deps.cashfree.getTransfer(transferId);
    } catch (error) {
      if (error instanceof CashfreeOutcomeUnknownError || error instanceof CashfreeRateLimitedError) {
        // A status check that cannot be had is just a later check.
        const checks = state.checks + 1;
        return { ...state, step: 'pending', checks, waitSeconds: pollWaitSeconds(deps.policy, checks) };
      }
      throw error;
    }
    // Cashfree has no such transfer: our send never arrived. Submit resolves it (404 -> send the same id).
    if (!transfer) return { ...state, step: 'resubmit', waitSeconds: 0 };
    payout = await applyTransferStatus(deps, payout.id, transfer);
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
