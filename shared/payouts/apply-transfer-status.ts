import type { CashfreeTransfer } from '../clients/cashfree-client';
import type { OwnerPayout, PayoutAttempt } from '../domain/entities';
import { classifyTransfer } from '../domain/transfer-outcome';
import type { PayoutPolicy } from '../domain/payout-policy';
import { canTransition } from '../domain/payout-status';
import type { PayoutStatus } from '../domain/payout-status';
import { ConditionalWriteError } from '../errors';
import { LogMessages, logger } from '../logger';
import type { PayoutRepository } from '../repositories/payout-repository';

export interface ApplyDeps {
  payouts: PayoutRepository;
  policy: PayoutPolicy;
  now: () => Date;
}

export function logFields(p: OwnerPayout): Record<string, unknown> {
  return { payment_id: p.paymentId, payout_id: p.id, owner_id: p.ownerId, attempt: p.attempt };
}

/** Attempts made by the payout's current run: automatic retries are limited per run. */
export function attemptsThisRun(p: OwnerPayout): number {
  return p.attempts.filter((a) => a.run === p.run).length;
}

function withAttempt(p: OwnerPayout, transfer: CashfreeTransfer, now: string): OwnerPayout {
  const attempts = p.attempts.map((a): PayoutAttempt =>
    a.transferId === transfer.transfer_id
      ? {
          ...a,
          cashfreeStatus: transfer.status,
          statusCode: transfer.status_code ?? null,
          description: transfer.status_description ?? null,
          cfTransferId:
            transfer.cf_transfer_id === null || transfer.cf_transfer_id === undefined
              ? a.cfTransferId
              : String(transfer.cf_transfer_id),
          utr: transfer.transfer_utr || a.utr,
          updatedAt: now,
        }
      : a,
  );
  return { ...p, attempts, updatedAt: now };
}

/**
 * The one transition function for a Cashfree transfer status, used by the workflow's poll, the Cashfree
 * webhook and check_status alike. It decides on status + status_code, writes only forward moves, and every
 * write is conditional on the version it read, so a webhook racing a poll cannot move a payout backwards.
 * Returns the payout as stored afterwards.
 */
export async function applyTransferStatus(
  deps: ApplyDeps,
  payoutId: string,
  transfer: CashfreeTransfer,
): Promise<OwnerPayout> {
  for (let round = 0; round < 5; round += 1) {
    const current = await deps.payouts.get(payoutId);
    if (!current) throw new Error(`Payout ${payoutId} does not exist`);
    const attempt = current.attempts.find((a) => a.transferId === transfer.transfer_id);
    if (!attempt) {
      logger.warn('Cashfree status for a transfer this payout never made', {
        ...logFields(current),
        transfer_id: transfer.transfer_id,
      });
      return current;
    }
    const now = deps.now().toISOString();
    const outcome = classifyTransfer({
      status: transfer.status,
      statusCode: transfer.status_code,
      statusDescription: transfer.status_description,
      utr: transfer.transfer_utr,
    });
    const isCurrent = attempt.attempt === current.attempt;
    let next = withAttempt(current, transfer, now);
    let target: PayoutStatus = current.status;

    if (!isCurrent) {
      // An earlier attempt was final before the next one began; a change now is a red flag for operators.
      if (outcome.kind === 'succeeded' && attempt.cashfreeStatus !== 'SUCCESS') {
        logger.error('Earlier transfer attempt reports SUCCESS: check for a double payout', {
          ...logFields(current),
          transfer_id: transfer.transfer_id,
        });
        next = { ...next, needsAttention: true };
      }
    } else if (outcome.kind === 'succeeded' && current.status === 'processing') {
      target = 'completed';
      next = {
        ...next,
        status: target,
        cashfreeUtr: transfer.transfer_utr || null,
        completedAt: now,
        errorMessage: '',
      };
    } else if (
      outcome.kind === 'reversed' &&
      (current.status === 'completed' || current.status === 'processing')
    ) {
      // REVERSED follows SUCCESS: the money came back. Record completed first if we had not seen the success.
      target = 'reversed';
      next = {
        ...next,
        status: target,
        cashfreeUtr: current.cashfreeUtr ?? (transfer.transfer_utr || null),
        completedAt: current.completedAt ?? now,
        errorMessage: `Cashfree reversed the transfer: ${outcome.reason}`,
        needsAttention: true,
      };
    } else if (outcome.kind === 'failed' && current.status === 'processing') {
      const retry = outcome.retryable && attemptsThisRun(current) < deps.policy.maxAttempts;
      target = retry ? 'retry_scheduled' : 'failed';
      next = {
        ...next,
        status: target,
        retryCount: retry ? current.retryCount + 1 : current.retryCount,
        errorMessage: `Cashfree transfer failed: ${outcome.reason}`,
      };
    }

    if (
      target !== current.status &&
      !canTransition(current.status, target) &&
      !(current.status === 'processing' && target === 'reversed')
    ) {
      return current;
    }
    const unchanged =
      JSON.stringify(next.attempts) === JSON.stringify(current.attempts) &&
      target === current.status &&
      next.needsAttention === current.needsAttention;
    if (unchanged) return current;
    try {
      const saved = await deps.payouts.save(next, current);
      if (target !== current.status) {
        const fields = {
          ...logFields(saved),
          transfer_id: transfer.transfer_id,
          cashfree_status: transfer.status,
          status_code: transfer.status_code ?? null,
        };
        if (target === 'completed')
          logger.info(LogMessages.payoutCompleted, { ...fields, utr: saved.cashfreeUtr });
        if (target === 'failed')
          logger.error(LogMessages.payoutFailed, { ...fields, error_message: saved.errorMessage });
        if (target === 'retry_scheduled')
          logger.warn('Owner payout retry scheduled', { ...fields, retry_count: saved.retryCount });
        if (target === 'reversed')
          logger.error(LogMessages.payoutReversed, { ...fields, alarm: 'PayoutReversed' });
      }
      return saved;
    } catch (error) {
      if (error instanceof ConditionalWriteError) continue;
      throw error;
    }
  }
  throw new ConditionalWriteError(`Payout ${payoutId} kept changing while applying a Cashfree status`);
}
