import type { CashfreeTransfer } from '../clients/cashfree-client';
import type { OwnerPayout } from '../domain/entities';
import type { PayoutPolicy } from '../domain/payout-policy';
import { decideTransferReport } from '../domain/transfer-report';
import type { TransferNotice, TransferReport } from '../domain/transfer-report';
import { ConditionalWriteError } from '../errors';
import { LogMessages, logger } from '../logger';
import type { PayoutRepository } from '../repositories/payout-repository';

export { attemptsThisRun } from '../domain/transfer-report';

export interface ApplyDeps {
  payouts: PayoutRepository;
  policy: PayoutPolicy;
  now: () => Date;
}

export function logFields(p: OwnerPayout): Record<string, unknown> {
  return { payment_id: p.paymentId, payout_id: p.id, owner_id: p.ownerId, attempt: p.attempt };
}

export function reportOf(transfer: CashfreeTransfer): TransferReport {
  return {
    transferId: transfer.transfer_id,
    status: transfer.status,
    statusCode: transfer.status_code ?? null,
    statusDescription: transfer.status_description ?? null,
    utr: transfer.transfer_utr || null,
    cfTransferId:
      transfer.cf_transfer_id === null || transfer.cf_transfer_id === undefined
        ? null
        : String(transfer.cf_transfer_id),
  };
}

function logNotice(saved: OwnerPayout, notice: TransferNotice, fields: Record<string, unknown>): void {
  switch (notice.kind) {
    case 'duplicate':
      logger.error(LogMessages.duplicatePayout, {
        ...fields,
        transfer_ids: notice.transferIds,
        utrs: saved.attempts.filter((a) => notice.transferIds.includes(a.transferId)).map((a) => a.utr),
        alarm: 'DuplicatePayout',
      });
      break;
    case 'late_success':
      logger.warn('Owner payout completed by a late Cashfree success', {
        ...fields,
        from_status: notice.from,
      });
      break;
    case 'success_replaced':
      logger.warn('Reversed transfer replaced by another successful transfer of the payout', {
        ...fields,
        standing_transfer_id: notice.standingTransferId,
      });
      break;
    case 'other_transfer_reversed':
      logger.warn('Another transfer of a completed payout was reversed', fields);
      break;
  }
}

/**
 * Applies a Cashfree transfer status to its payout through the one rule (shared/domain/transfer-report.ts),
 * used by the workflow's poll, the Cashfree webhook, check_status, manual retry and the payout reconciler. Every
 * write is conditional on the version it read, so a webhook racing a poll cannot move a payout backwards; a lost
 * race reads again and decides again. Returns the payout as stored afterwards.
 */
export async function applyTransferStatus(
  deps: ApplyDeps,
  payoutId: string,
  transfer: CashfreeTransfer,
): Promise<OwnerPayout> {
  return (await applyTransfer(deps, payoutId, transfer)).payout;
}

/** applyTransferStatus, also saying whether this call wrote anything (the reconciler counts what it changed). */
export async function applyTransfer(
  deps: ApplyDeps,
  payoutId: string,
  transfer: CashfreeTransfer,
): Promise<{ payout: OwnerPayout; changed: boolean }> {
  const report = reportOf(transfer);
  for (let round = 0; round < 5; round += 1) {
    const current = await deps.payouts.get(payoutId);
    if (!current) throw new Error(`Payout ${payoutId} does not exist`);
    const decision = decideTransferReport(current, report, deps.policy, deps.now().toISOString());
    if (decision.kind === 'ignored') {
      if (decision.reason === 'unknown_transfer')
        logger.warn('Cashfree status for a transfer this payout never made', {
          ...logFields(current),
          transfer_id: report.transferId,
        });
      if (decision.reason === 'stale')
        logger.info('Stale Cashfree status ignored', {
          ...logFields(current),
          transfer_id: report.transferId,
          cashfree_status: report.status,
          recorded_status: current.attempts.find((a) => a.transferId === report.transferId)?.cashfreeStatus,
        });
      return { payout: current, changed: false };
    }
    let saved: OwnerPayout;
    try {
      saved = await deps.payouts.save(decision.next, current);
    } catch (error) {
      if (error instanceof ConditionalWriteError) continue;
      throw error;
    }
    const fields = {
      ...logFields(saved),
      transfer_id: report.transferId,
      cashfree_status: report.status,
      status_code: report.statusCode,
    };
    if (saved.status !== current.status) {
      if (saved.status === 'completed')
        logger.info(LogMessages.payoutCompleted, { ...fields, utr: saved.cashfreeUtr });
      if (saved.status === 'failed')
        logger.error(LogMessages.payoutFailed, { ...fields, error_message: saved.errorMessage });
      if (saved.status === 'retry_scheduled')
        logger.warn('Owner payout retry scheduled', { ...fields, retry_count: saved.retryCount });
      if (saved.status === 'reversed')
        logger.error(LogMessages.payoutReversed, { ...fields, alarm: 'PayoutReversed' });
    }
    for (const notice of decision.notices) logNotice(saved, notice, fields);
    return { payout: saved, changed: true };
  }
  throw new ConditionalWriteError(`Payout ${payoutId} kept changing while applying a Cashfree status`);
}
