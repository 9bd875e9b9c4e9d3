import { ExecutionAlreadyExists, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { OwnerPayout, Payment } from '../domain/entities';
import { executionNameFor, newId } from '../domain/ids';
import { LogMessages, logger } from '../logger';
import { recordPayoutInitiated } from '../metrics';
import type { DirectoryRepository } from '../repositories/directory-repository';
import type { PaymentRepository } from '../repositories/payment-repository';
import type { PayoutRepository } from '../repositories/payout-repository';
import { ConditionalWriteError } from '../errors';
import { PaymentFlags, withFlag } from '../payments/payment-flags';
import type { WorkflowState } from './workflow-state';

export interface StartPayoutDeps {
  payouts: PayoutRepository;
  /** When given, the payout's id is recorded on the payment (which takes it off the awaiting-payout index). */
  payments?: PaymentRepository;
  directory: DirectoryRepository;
  sfn: Pick<SFNClient, 'send'>;
  stateMachineArn: string;
  now: () => Date;
}

/**
 * Starts the workflow run of a payout. The execution name is `<payoutId>-<run>`, so a repeated start for the
 * same run (a replayed stream record, a reconciler) is harmless: Step Functions refuses a second execution.
 */
export async function startPayoutRun(
  deps: Pick<StartPayoutDeps, 'sfn' | 'stateMachineArn'>,
  payout: Pick<OwnerPayout, 'id' | 'run'>,
): Promise<void> {
  const input: WorkflowState = {
    payoutId: payout.id,
    run: payout.run,
    step: 'start',
    checks: 0,
    waitSeconds: 0,
  };
  try {
    await deps.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: deps.stateMachineArn,
        name: executionNameFor(payout.id, payout.run),
        input: JSON.stringify(input),
      }),
    );
  } catch (error) {
    if (
      error instanceof ExecutionAlreadyExists ||
      (error as { name?: string }).name === 'ExecutionAlreadyExists'
    )
      return;
    throw error;
  }
}

export type InitiatePayoutResult =
  | { payout: OwnerPayout; created: boolean }
  /** The payment is a duplicate of the one that paid its unit and period: no payout, ever. */
  | { payout: null; created: false; duplicateOf: string };

/**
 * Primary course: a payment has just completed; create its one OwnerPayout (pending) and start the workflow.
 * A second call for the same payment finds the payout and only makes sure its run was started. A payment
 * flagged `duplicate_payment` gets no payout; one the confirmation did not flag but whose unit and period
 * already have a payout (the payout table's guard says so) is flagged here.
 */
export async function initiateOwnerPayout(
  deps: StartPayoutDeps,
  payment: Payment,
): Promise<InitiatePayoutResult> {
  if (payment.flags.includes(PaymentFlags.duplicatePayment)) {
    logger.info('No payout for a duplicate rent payment', {
      payment_id: payment.id,
      duplicate_of: payment.duplicateOf ?? null,
      owner_id: payment.ownerId,
    });
    return { payout: null, created: false, duplicateOf: payment.duplicateOf ?? '' };
  }
  const owner = await deps.directory.getOwner(payment.ownerId);
  const now = deps.now().toISOString();
  const candidate: OwnerPayout = {
    id: newId(),
    paymentId: payment.id,
    ownerId: payment.ownerId,
    ownerName: owner?.name ?? '',
    unitId: payment.unitId,
    period: payment.period,
    propertyId: payment.propertyId,
    amountPaise: payment.amountPaise,
    status: 'pending',
    beneficiaryType: owner?.paymentDetails?.paymentMethod ?? null,
    cashfreeTransferId: null,
    cashfreeUtr: null,
    retryCount: 0,
    attempt: 0,
    run: 1,
    initiatedAt: now,
    completedAt: null,
    updatedAt: now,
    errorMessage: '',
    needsAttention: false,
    attempts: [],
    version: 1,
  };
  const result = await deps.payouts.createForPayment(candidate);
  if (!result.payout) {
    const { paymentId: duplicateOf, payoutId } = result.periodPaidBy;
    logger.error(LogMessages.duplicatePayment, {
      payment_id: payment.id,
      duplicate_of: duplicateOf,
      payout_id: payoutId,
      unit_id: payment.unitId,
      period: payment.period,
      owner_id: payment.ownerId,
      amount_paise: payment.amountPaise,
      source: 'payout-guard',
    });
    if (deps.payments) await flagDuplicateOnPayment(deps.payments, payment.id, duplicateOf, deps.now);
    return { payout: null, created: false, duplicateOf };
  }
  const payout = result.payout;
  if (result.created) {
    recordPayoutInitiated(payment.completedAt, payout);
    logger.info(LogMessages.payoutInitiated, {
      payment_id: payout.paymentId,
      payout_id: payout.id,
      owner_id: payout.ownerId,
      attempt: payout.attempt,
      amount_paise: payout.amountPaise,
    });
  }
  // Only a payout still waiting for its first run needs starting; later runs are started by manual retry.
  if (payout.status === 'pending') await startPayoutRun(deps, payout);
  if (deps.payments) await recordPayoutOnPayment(deps.payments, payment.id, payout.id, deps.now);
  return { payout, created: result.created };
}

export interface MissingPayoutsReport {
  payoutsStarted: number;
  payoutStartsFailed: number;
}

/**
 * The reconciler's safety net: completed payments still without a recorded payout at `before` (the stream
 * should have started one) get it now, oldest first. One payment whose start fails is logged and counted,
 * and does not hold back the others; it stays on the index and is tried again by the next run.
 */
export async function startMissingPayouts(
  deps: StartPayoutDeps & { payments: PaymentRepository },
  before: string,
  limit = 100,
): Promise<MissingPayoutsReport> {
  const report: MissingPayoutsReport = { payoutsStarted: 0, payoutStartsFailed: 0 };
  for (const payment of await deps.payments.listAwaitingPayout(before, limit)) {
    const fields = { payment_id: payment.id, owner_id: payment.ownerId };
    try {
      const { payout, created } = await initiateOwnerPayout(deps, payment);
      if (!payout) continue; // a duplicate: flagged for a refund, never paid out
      if (created) {
        logger.warn('Payout started by the reconciler (stream record missing)', {
          ...fields,
          payout_id: payout.id,
        });
        report.payoutsStarted += 1;
      } else {
        // The stream had started it; only noting its id on the payment had not happened yet.
        logger.info('Payout of a completed payment recorded by the reconciler', {
          ...fields,
          payout_id: payout.id,
        });
      }
    } catch (error) {
      logger.error('Payout start by the reconciler failed', { ...fields, error: (error as Error).message });
      report.payoutStartsFailed += 1;
    }
  }
  return report;
}

/** Flags a payment the payout guard found to be a duplicate, which takes it off the awaiting-payout index. */
async function flagDuplicateOnPayment(
  payments: PaymentRepository,
  paymentId: string,
  duplicateOf: string,
  now: () => Date,
): Promise<void> {
  for (let round = 0; round < 5; round += 1) {
    const current = await payments.get(paymentId);
    if (!current || current.flags.includes(PaymentFlags.duplicatePayment)) return;
    try {
      await payments.save(
        {
          ...current,
          flags: withFlag(current.flags, PaymentFlags.duplicatePayment),
          duplicateOf,
          updatedAt: now().toISOString(),
        },
        current.version,
      );
      return;
    } catch (error) {
      if (!(error instanceof ConditionalWriteError)) throw error;
    }
  }
}

/** Notes the payout on its payment, so the reconciler stops looking for a completed payment without one. */
async function recordPayoutOnPayment(
  payments: PaymentRepository,
  paymentId: string,
  payoutId: string,
  now: () => Date,
): Promise<void> {
  for (let round = 0; round < 5; round += 1) {
    const current = await payments.get(paymentId);
    if (!current || current.payoutId === payoutId) return;
    try {
      await payments.save({ ...current, payoutId, updatedAt: now().toISOString() }, current.version);
      return;
    } catch (error) {
      if (!(error instanceof ConditionalWriteError)) throw error;
    }
  }
}
