import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MetricUnit as Unit } from '@aws-lambda-powertools/metrics/types';
import type { OwnerPayout } from './domain/entities';
import { logger } from './logger';

/**
 * Business metrics, as CloudWatch embedded metric format (EMF) log lines: CloudWatch turns each line into
 * data points, with no API call in the request path. Each event is published at once, where it happens,
 * so no handler has to flush anything. The alarms and the dashboard (infra/monitoring.ts) read these names.
 *
 * No `service` dimension: a payout that fails is the same metric whichever function (the workflow, the
 * Cashfree webhook, check_status) recorded it, so one alarm sees them all.
 */
export const METRIC_NAMESPACE = 'RentPayout';

export const MetricName = {
  /** Count, dimension Status: a payout moved to that status (completed, failed, reversed are final). */
  payoutStatusChanges: 'PayoutStatusChanges',
  /** Seconds, dimension Milestone (PayoutInitiated, TransferRequested, Completed). */
  payoutLatency: 'PayoutLatency',
  /** Count, dimension Kind (automatic, manual): a payout scheduled for another attempt. */
  payoutRetries: 'PayoutRetries',
  /** Count, dimension Flag (NeedsAttention): a payout flagged for an operator. */
  payoutsFlagged: 'PayoutsFlagged',
  /** Count, dimensions Provider (phonepe, cashfree) and Outcome (accepted, rejected, invalid, error). */
  webhookRequests: 'WebhookRequests',
  /** Milliseconds, dimension Provider: time the webhook handler took. */
  webhookLatency: 'WebhookLatency',
  /** Count, dimension Reconciler (payments, payouts): items a reconciler run had to act on. */
  reconcilerActions: 'ReconcilerActions',
} as const;

export type PayoutMilestone = 'PayoutInitiated' | 'TransferRequested' | 'Completed';
export type WebhookProvider = 'phonepe' | 'cashfree';
export type WebhookOutcome = 'accepted' | 'rejected' | 'invalid' | 'error';

const metrics = new Metrics({ namespace: METRIC_NAMESPACE });
metrics.clearDefaultDimensions();

/**
 * One EMF line. Synchronous from the first add to the publish, so concurrent invocations cannot mix; a metric
 * that cannot be published never fails the business operation that recorded it.
 */
function emit(dimensions: Record<string, string>, values: [string, Unit, number][]): void {
  try {
    metrics.addDimensions(dimensions);
    for (const [name, unit, value] of values) metrics.addMetric(name, unit, value);
    metrics.publishStoredMetrics();
  } catch (error) {
    logger.warn('Metric not published', { dimensions, error: (error as Error).message });
  }
}

function secondsBetween(from: string | null | undefined, to: string | null | undefined): number | null {
  if (!from || !to) return null;
  const seconds = (Date.parse(to) - Date.parse(from)) / 1000;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}

function latency(milestone: PayoutMilestone, seconds: number | null): void {
  if (seconds !== null)
    emit({ Milestone: milestone }, [[MetricName.payoutLatency, MetricUnit.Seconds, seconds]]);
}

/** A payout was created for a completed payment: how long the payment waited for it (stream lag). */
export function recordPayoutInitiated(paymentCompletedAt: string | null, payout: OwnerPayout): void {
  latency('PayoutInitiated', secondsBetween(paymentCompletedAt, payout.initiatedAt));
}

/**
 * A payout write committed (called by the payout repository after its conditional write, so every writer
 * counts: the workflow, the webhook, check_status, manual retry, the reconcilers). Latencies are measured
 * from the payout's initiation, which follows the payment's completion by the PayoutInitiated latency.
 */
export function recordPayoutWrite(
  before: Pick<OwnerPayout, 'status'> & Partial<Pick<OwnerPayout, 'needsAttention'>>,
  after: OwnerPayout,
): void {
  if (after.needsAttention && before.needsAttention === false) {
    emit({ Flag: 'NeedsAttention' }, [[MetricName.payoutsFlagged, MetricUnit.Count, 1]]);
  }
  if (after.status === before.status) return;
  emit({ Status: after.status }, [[MetricName.payoutStatusChanges, MetricUnit.Count, 1]]);
  if (after.status === 'retry_scheduled') {
    const kind = before.status === 'failed' ? 'manual' : 'automatic';
    emit({ Kind: kind }, [[MetricName.payoutRetries, MetricUnit.Count, 1]]);
  }
  if (after.status === 'processing' && after.attempt === 1 && before.status === 'pending') {
    latency('TransferRequested', secondsBetween(after.initiatedAt, after.updatedAt));
  }
  if (after.status === 'completed')
    latency('Completed', secondsBetween(after.initiatedAt, after.completedAt));
}

/** A provider's webhook was answered: its outcome and how long the handler took. */
export function recordWebhook(provider: WebhookProvider, outcome: WebhookOutcome, elapsedMs: number): void {
  emit({ Provider: provider, Outcome: outcome }, [[MetricName.webhookRequests, MetricUnit.Count, 1]]);
  emit({ Provider: provider }, [[MetricName.webhookLatency, MetricUnit.Milliseconds, elapsedMs]]);
}

/** A reconciler run ended: how many items it had to act on (0 is published too, so the graph has no gaps). */
export function recordReconcilerActions(reconciler: 'payments' | 'payouts', actions: number): void {
  emit({ Reconciler: reconciler }, [[MetricName.reconcilerActions, MetricUnit.Count, actions]]);
}
