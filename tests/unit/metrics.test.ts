import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { OwnerPayout } from '../../shared/domain/entities';
import { paise } from '../../shared/domain/money';
import {
  recordPayoutInitiated,
  recordPayoutWrite,
  recordReconcilerActions,
  recordWebhook,
} from '../../shared/metrics';

/** The EMF lines the functions print, parsed: CloudWatch reads exactly these from the logs. */
let lines: Record<string, unknown>[];
beforeEach(() => {
  lines = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    const text = String(chunk).trim();
    if (text.includes('"_aws"')) lines.push(JSON.parse(text) as Record<string, unknown>);
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

const payout = (over: Partial<OwnerPayout> = {}): OwnerPayout => ({
  id: '01JB0PAY0UT00000000000000A',
  paymentId: '01JB0PAYMENT0000000000000A',
  ownerId: '01JB0DEM0000000000000WNER1',
  ownerName: 'Asha Verma',
  unitId: 'u',
  period: '2031-04',
  propertyId: 'p',
  amountPaise: paise(1_500_000),
  status: 'pending',
  beneficiaryType: 'bank',
  cashfreeTransferId: null,
  cashfreeUtr: null,
  retryCount: 0,
  attempt: 0,
  run: 1,
  initiatedAt: '2031-04-01T10:00:00.000Z',
  completedAt: null,
  updatedAt: '2031-04-01T10:00:00.000Z',
  errorMessage: '',
  needsAttention: false,
  attempts: [],
  version: 1,
  ...over,
});

const metricsOf = (line: Record<string, unknown>) =>
  (line._aws as { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] }).CloudWatchMetrics[0]!;

describe('payout metrics', () => {
  it('counts a status change once, in the RentPayout namespace, with its status as the only dimension', () => {
    recordPayoutWrite(payout({ status: 'processing', attempt: 1 }), payout({ status: 'failed', attempt: 1 }));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ Status: 'failed', PayoutStatusChanges: 1 });
    expect(metricsOf(lines[0]!)).toMatchObject({ Namespace: 'RentPayout', Dimensions: [['Status']] });
    expect(lines[0]).not.toHaveProperty('service');
  });

  it('publishes nothing for a write that changed no status and raised no flag', () => {
    recordPayoutWrite(payout({ status: 'processing' }), payout({ status: 'processing', version: 3 }));
    expect(lines).toEqual([]);
  });

  it('measures the first transfer request and the completion from the payout initiation', () => {
    recordPayoutWrite(
      payout(),
      payout({ status: 'processing', attempt: 1, updatedAt: '2031-04-01T10:00:04.500Z' }),
    );
    recordPayoutWrite(
      payout({ status: 'processing', attempt: 1 }),
      payout({ status: 'completed', attempt: 1, completedAt: '2031-04-01T10:02:00.000Z' }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ Milestone: 'TransferRequested', PayoutLatency: 4.5 }),
    );
    expect(lines).toContainEqual(expect.objectContaining({ Milestone: 'Completed', PayoutLatency: 120 }));
    // A later attempt is a retry, not the time to the first transfer request.
    lines.length = 0;
    recordPayoutWrite(
      payout({ status: 'retry_scheduled', attempt: 1 }),
      payout({ status: 'processing', attempt: 2 }),
    );
    expect(lines.filter((l) => 'Milestone' in l)).toEqual([]);
  });

  it('tells automatic retries from manual ones, and counts a newly raised attention flag', () => {
    recordPayoutWrite(payout({ status: 'processing' }), payout({ status: 'retry_scheduled' }));
    recordPayoutWrite(payout({ status: 'failed' }), payout({ status: 'retry_scheduled' }));
    recordPayoutWrite(
      payout({ status: 'processing' }),
      payout({ status: 'processing', needsAttention: true }),
    );
    recordPayoutWrite(
      payout({ status: 'processing', needsAttention: true }),
      payout({ status: 'processing', needsAttention: true }),
    );
    expect(lines.filter((l) => 'PayoutRetries' in l).map((l) => l.Kind)).toEqual(['automatic', 'manual']);
    expect(lines.filter((l) => 'PayoutsFlagged' in l)).toEqual([
      expect.objectContaining({ Flag: 'NeedsAttention', PayoutsFlagged: 1 }),
    ]);
  });

  it('measures how long a completed payment waited for its payout', () => {
    recordPayoutInitiated('2031-04-01T09:59:59.250Z', payout());
    recordPayoutInitiated(null, payout());
    expect(lines).toEqual([expect.objectContaining({ Milestone: 'PayoutInitiated', PayoutLatency: 0.75 })]);
  });
});

describe('webhook and reconciler metrics', () => {
  it('counts a webhook by provider and outcome, and its handling time by provider', () => {
    recordWebhook('cashfree', 'rejected', 12);
    expect(lines).toEqual([
      expect.objectContaining({ Provider: 'cashfree', Outcome: 'rejected', WebhookRequests: 1 }),
      expect.objectContaining({ Provider: 'cashfree', WebhookLatency: 12 }),
    ]);
    expect(metricsOf(lines[1]!).Dimensions).toEqual([['Provider']]);
  });

  it('publishes a reconciler run even when it acted on nothing', () => {
    recordReconcilerActions('payments', 0);
    expect(lines).toEqual([expect.objectContaining({ Reconciler: 'payments', ReconcilerActions: 0 })]);
  });
});
