import type { PhonePeClient } from '../clients/phonepe-client';
import { PhonePeApiError, PhonePeUnavailableError } from '../clients/phonepe-client';
import type { Payment } from '../domain/entities';
import { ConditionalWriteError } from '../errors';
import { logger } from '../logger';
import type { IndexPosition, ReconcilerPositions } from '../repositories/index-page';
import type { PaymentRepository } from '../repositories/payment-repository';
import type { PhonePeEventRepository } from '../repositories/phonepe-event-repository';
import type { ConfirmOutcome } from './confirm-payment';
import { confirmPayment } from './confirm-payment';
import { PaymentFlags, withFlag } from './payment-flags';
import { processPhonePeEvent } from './process-phonepe-event';

export interface ReconcileDeps {
  payments: PaymentRepository;
  events: PhonePeEventRepository;
  positions: ReconcilerPositions;
  phonepe: Pick<PhonePeClient, 'getOrderStatus'>;
  now: () => Date;
}

export interface ReconcilePolicy {
  /** PhonePe: the first status check 20-25 s after the payment started. */
  firstCheckAfterSeconds: number;
  /** After expiry, how long an order PhonePe still calls PENDING (or does not know) is given before it is expired. */
  expiryGraceSeconds: number;
  /** How long a recorded webhook event is left to the stream before the reconciler processes it itself. */
  eventGraceSeconds: number;
  /** Work per run: at most this many payments or events looked at... */
  maxChecksPerRun: number;
  /** ...and no new one started after this long. */
  timeBudgetMs: number;
  /** Items read per query. */
  pageSize: number;
}

export const DEFAULT_RECONCILE_POLICY: ReconcilePolicy = {
  firstCheckAfterSeconds: 25,
  expiryGraceSeconds: 600,
  eventGraceSeconds: 120,
  maxChecksPerRun: 200,
  // The function has 120 s and runs every minute: the passes stop starting work after 40 s.
  timeBudgetMs: 40_000,
  pageSize: 100,
};

/** PhonePe's longest order lifetime (expireAfter at most 3600 s): the bound for a payment with no expiry known. */
const LONGEST_ORDER_LIFETIME_MS = 3600_000;

export const RECONCILER_PASSES = { events: 'phonepe_events', pending: 'pending_payments' } as const;

export interface ReconcileReport {
  checked: number;
  completed: number;
  duplicates: number;
  failed: number;
  expired: number;
  stillPending: number;
  amountMismatches: number;
  errors: number;
  eventsProcessed: number;
  eventErrors: number;
  /** Whether the pending pass reached the newest payments (the next run starts again at the oldest). */
  pendingPassComplete: boolean;
}

interface Budget {
  /** `share`: the part of the run's checks a pass may use up to. */
  spent(share?: number): boolean;
  use(): void;
}

function budgetOf(policy: ReconcilePolicy): Budget {
  const started = Date.now();
  let used = 0;
  return {
    spent: (share = 1) =>
      used >= Math.ceil(policy.maxChecksPerRun * share) || Date.now() - started >= policy.timeBudgetMs,
    use: () => {
      used += 1;
    },
  };
}

/** Errors that concern one payment or event: it is counted and tried again by a later run. */
function isPerItemError(error: unknown): boolean {
  return (
    error instanceof PhonePeUnavailableError ||
    error instanceof PhonePeApiError ||
    error instanceof ConditionalWriteError
  );
}

/**
 * Primary course (the scheduled reconciler), in two passes that share one budget per run:
 * 1. recorded PhonePe webhook events still unprocessed after the grace period (their stream record failed
 *    every retry, e.g. a late COMPLETED while PhonePe's status API was down) are processed as the stream would;
 * 2. pending payments whose webhook should have come by now are confirmed with PhonePe's order-status API,
 *    exactly as a webhook would have them confirmed, so a lost webhook loses nothing. An order PhonePe still
 *    calls PENDING, or does not know at all, well after its lifetime is marked expired.
 * Each pass goes on from where the previous run stopped and wraps around at the end, so every pending payment
 * is looked at in turn however many are stuck ahead of it (docs/payments.md, "Reconciliation").
 */
export async function reconcilePayments(
  deps: ReconcileDeps,
  policy: ReconcilePolicy = DEFAULT_RECONCILE_POLICY,
): Promise<ReconcileReport> {
  const report: ReconcileReport = {
    checked: 0,
    completed: 0,
    duplicates: 0,
    failed: 0,
    expired: 0,
    stillPending: 0,
    amountMismatches: 0,
    errors: 0,
    eventsProcessed: 0,
    eventErrors: 0,
    pendingPassComplete: false,
  };
  const budget = budgetOf(policy);
  await processUnprocessedEvents(deps, policy, budget, report);
  await checkPendingPayments(deps, policy, budget, report);
  if (report.checked > 0 || report.eventsProcessed > 0 || report.eventErrors > 0)
    logger.info('Payment reconciliation run', { ...report });
  return report;
}

async function processUnprocessedEvents(
  deps: ReconcileDeps,
  policy: ReconcilePolicy,
  budget: Budget,
  report: ReconcileReport,
): Promise<void> {
  const before = new Date(deps.now().getTime() - policy.eventGraceSeconds * 1000).toISOString();
  let after = await deps.positions.get(RECONCILER_PASSES.events);
  for (;;) {
    const page = await deps.events.pageUnprocessed(before, after, policy.pageSize);
    for (const { event, position } of page.entries) {
      // Half the run at most: events that keep failing (PhonePe down) must not starve the pending payments.
      if (budget.spent(0.5)) return deps.positions.set(RECONCILER_PASSES.events, after);
      budget.use();
      const fields = { merchant_order_id: event.merchantOrderId, event: event.event, state: event.state };
      try {
        const outcome = await processPhonePeEvent(deps, event, 'reconciler');
        await deps.events.markProcessed(event);
        report.eventsProcessed += 1;
        logger.warn('PhonePe event processed by the reconciler (stream record missing)', {
          ...fields,
          received_at: event.receivedAt,
          outcome,
        });
      } catch (error) {
        if (!isPerItemError(error)) throw error;
        report.eventErrors += 1;
        logger.warn('PhonePe event reconciliation failed for one event', {
          ...fields,
          error: (error as Error).message,
        });
      }
      after = position;
    }
    if (!page.next) return deps.positions.set(RECONCILER_PASSES.events, null);
    after = page.next;
  }
}

async function checkPendingPayments(
  deps: ReconcileDeps,
  policy: ReconcilePolicy,
  budget: Budget,
  report: ReconcileReport,
): Promise<void> {
  const now = deps.now();
  let after: IndexPosition | null = await deps.positions.get(RECONCILER_PASSES.pending);
  for (;;) {
    const page = await deps.payments.pagePending(after, policy.pageSize);
    let reachedYoung = false;
    for (const { payment, position } of page.entries) {
      // Oldest first: from here on every payment is younger still, so this cycle is done.
      if ((now.getTime() - Date.parse(payment.createdAt)) / 1000 < policy.firstCheckAfterSeconds) {
        reachedYoung = true;
        break;
      }
      if (budget.spent()) return deps.positions.set(RECONCILER_PASSES.pending, after);
      budget.use();
      await checkPendingPayment(deps, policy, payment, report);
      after = position;
    }
    if (reachedYoung || !page.next) {
      report.pendingPassComplete = true;
      return deps.positions.set(RECONCILER_PASSES.pending, null);
    }
    after = page.next;
  }
}

async function checkPendingPayment(
  deps: ReconcileDeps,
  policy: ReconcilePolicy,
  payment: Payment,
  report: ReconcileReport,
): Promise<void> {
  report.checked += 1;
  let outcome: ConfirmOutcome;
  try {
    outcome = await confirmPayment(deps, payment.merchantOrderId, 'reconciler');
  } catch (error) {
    // One payment PhonePe cannot answer for must not stop the others; a later run tries it again.
    if (!isPerItemError(error)) throw error;
    report.errors += 1;
    logger.warn('Payment reconciliation failed for one payment', {
      payment_id: payment.id,
      error: (error as Error).message,
    });
    return;
  }
  if (outcome === 'completed') report.completed += 1;
  else if (outcome === 'duplicate') report.duplicates += 1;
  else if (outcome === 'failed') report.failed += 1;
  else if (outcome === 'amount_mismatch') report.amountMismatches += 1;
  else if (outcome === 'still_pending' || outcome === 'not_found_at_phonepe') {
    const now = deps.now();
    const expiresAt = payment.orderExpiresAt
      ? Date.parse(payment.orderExpiresAt)
      : Date.parse(payment.createdAt) + LONGEST_ORDER_LIFETIME_MS;
    if (now.getTime() <= expiresAt + policy.expiryGraceSeconds * 1000) {
      report.stillPending += 1;
      return;
    }
    const notFound = outcome === 'not_found_at_phonepe';
    try {
      await deps.payments.save(
        {
          ...payment,
          status: 'expired',
          flags: notFound ? withFlag(payment.flags, PaymentFlags.orderNotFound) : payment.flags,
          updatedAt: now.toISOString(),
        },
        payment.version,
      );
      report.expired += 1;
      logger.warn(
        notFound
          ? 'Payment expired: PhonePe does not know its order'
          : 'Payment expired without a final PhonePe state',
        { payment_id: payment.id, merchant_order_id: payment.merchantOrderId },
      );
    } catch (error) {
      if (!(error instanceof ConditionalWriteError)) throw error; // changed meanwhile: a later run decides
    }
  }
}
