import { describe, expect, it } from 'vitest';
import type { OwnerPayout, PayoutAttempt } from '../../shared/domain/entities';
import { paise } from '../../shared/domain/money';
import { decideTransferReport } from '../../shared/domain/transfer-report';
import type { TransferReport } from '../../shared/domain/transfer-report';

const T0 = '2026-03-01T10:00:00.000Z';
const NOW = '2026-03-01T10:30:00.000Z';
const policy = { maxAttempts: 3 };

function attempt(n: number, cashfreeStatus: string, extra: Partial<PayoutAttempt> = {}): PayoutAttempt {
  return {
    attempt: n,
    run: 1,
    transferId: `PAYOUT_P_${n}`,
    cashfreeStatus,
    statusCode: null,
    description: null,
    cfTransferId: null,
    utr: null,
    requestedAt: T0,
    updatedAt: T0,
    ...extra,
  };
}

function payout(status: OwnerPayout['status'], attempts: PayoutAttempt[], extra: Partial<OwnerPayout> = {}) {
  const last = attempts.at(-1);
  const p: OwnerPayout = {
    id: 'P',
    paymentId: 'PAY',
    ownerId: 'O',
    ownerName: 'Owner',
    unitId: 'U',
    period: '2031-01',
    propertyId: 'PR',
    amountPaise: paise(1_000_000),
    status,
    beneficiaryType: 'bank',
    cashfreeTransferId: last?.transferId ?? null,
    cashfreeUtr: null,
    retryCount: Math.max(0, attempts.length - 1),
    attempt: last?.attempt ?? 0,
    run: 1,
    initiatedAt: T0,
    completedAt: null,
    updatedAt: T0,
    errorMessage: '',
    needsAttention: false,
    attempts,
    version: 3,
    ...extra,
  };
  return p;
}

function report(n: number, status: string, extra: Partial<TransferReport> = {}): TransferReport {
  return {
    transferId: `PAYOUT_P_${n}`,
    status,
    statusCode: status === 'SUCCESS' ? 'COMPLETED' : null,
    statusDescription: null,
    utr: status === 'SUCCESS' ? `UTR${n}` : null,
    cfTransferId: `CF${n}`,
    ...extra,
  };
}

function changed(d: ReturnType<typeof decideTransferReport>) {
  if (d.kind !== 'changed') throw new Error(`expected a change, got ${JSON.stringify(d)}`);
  return d;
}

describe('a success for any attempt wins', () => {
  it('completes a processing payout with the UTR of its current attempt', () => {
    const d = changed(
      decideTransferReport(payout('processing', [attempt(1, 'PENDING')]), report(1, 'SUCCESS'), policy, NOW),
    );
    expect(d.next).toMatchObject({
      status: 'completed',
      cashfreeTransferId: 'PAYOUT_P_1',
      cashfreeUtr: 'UTR1',
      completedAt: NOW,
      updatedAt: NOW,
    });
    expect(d.next.attempts[0]).toMatchObject({ cashfreeStatus: 'SUCCESS', utr: 'UTR1', updatedAt: NOW });
    expect(d.notices).toEqual([]);
  });

  it.each([
    ['retry_scheduled', [attempt(1, 'FAILED', { statusCode: 'WAIT_TIME_EXCEEDED' })]],
    ['failed', [attempt(1, 'FAILED'), attempt(2, 'FAILED')]],
    ['failed', [attempt(1, 'PENDING')]],
  ] as const)(
    "completes a %s payout with that attempt's transfer id and UTR, and says so",
    (status, attempts) => {
      const p = payout(status, [...attempts], { errorMessage: 'Cashfree transfer failed: X' });
      const d = changed(decideTransferReport(p, report(1, 'SUCCESS'), policy, NOW));
      expect(d.next).toMatchObject({
        status: 'completed',
        cashfreeTransferId: 'PAYOUT_P_1',
        cashfreeUtr: 'UTR1',
        errorMessage: '',
      });
      expect(d.notices).toEqual([{ kind: 'late_success', from: status, transferId: 'PAYOUT_P_1' }]);
    },
  );

  it('completes a processing payout from an earlier attempt while the current one is in flight', () => {
    const p = payout('processing', [attempt(1, 'FAILED'), attempt(2, 'PENDING')]);
    const d = changed(decideTransferReport(p, report(1, 'SUCCESS'), policy, NOW));
    expect(d.next).toMatchObject({
      status: 'completed',
      cashfreeTransferId: 'PAYOUT_P_1',
      cashfreeUtr: 'UTR1',
    });
    expect(d.next.attempts[1]!.cashfreeStatus).toBe('PENDING');
    expect(d.notices).toEqual([{ kind: 'late_success', from: 'processing', transferId: 'PAYOUT_P_1' }]);
  });

  it('completes a reversed payout when another of its transfers succeeds', () => {
    const p = payout('reversed', [attempt(1, 'REVERSED'), attempt(2, 'PENDING')], {
      cashfreeTransferId: 'PAYOUT_P_1',
      attempt: 2,
    });
    const d = changed(decideTransferReport(p, report(2, 'SUCCESS'), policy, NOW));
    expect(d.next).toMatchObject({
      status: 'completed',
      cashfreeTransferId: 'PAYOUT_P_2',
      cashfreeUtr: 'UTR2',
    });
    expect(d.next.duplicatePayment).toBeUndefined();
  });

  it('a second successful attempt flags a duplicate payment; the payout keeps the first', () => {
    const p = payout('completed', [attempt(1, 'SUCCESS', { utr: 'UTR1' }), attempt(2, 'PENDING')], {
      cashfreeTransferId: 'PAYOUT_P_1',
      cashfreeUtr: 'UTR1',
      completedAt: T0,
    });
    const d = changed(decideTransferReport(p, report(2, 'SUCCESS'), policy, NOW));
    expect(d.next).toMatchObject({
      status: 'completed',
      cashfreeTransferId: 'PAYOUT_P_1',
      cashfreeUtr: 'UTR1',
      completedAt: T0,
      duplicatePayment: true,
      needsAttention: true,
    });
    expect(d.notices).toEqual([{ kind: 'duplicate', transferIds: ['PAYOUT_P_1', 'PAYOUT_P_2'] }]);
    // The same report again changes nothing and is not a second alarm.
    expect(decideTransferReport(d.next, report(2, 'SUCCESS'), policy, NOW)).toEqual({
      kind: 'ignored',
      reason: 'unchanged',
    });
  });

  it('completes a payout whose attempt was recorded SUCCESS while the payout was not', () => {
    const p = payout('failed', [
      attempt(1, 'SUCCESS', { utr: 'UTR1', statusCode: 'COMPLETED', cfTransferId: 'CF1' }),
    ]);
    const d = changed(decideTransferReport(p, report(1, 'SUCCESS'), policy, NOW));
    expect(d.next).toMatchObject({ status: 'completed', cashfreeUtr: 'UTR1' });
  });
});

describe('reversals', () => {
  const completed = (attempts: PayoutAttempt[], by = 'PAYOUT_P_1') =>
    payout('completed', attempts, { cashfreeTransferId: by, cashfreeUtr: 'UTR1', completedAt: T0 });

  it('REVERSED of the transfer the payout was completed with makes it reversed', () => {
    const d = changed(
      decideTransferReport(
        completed([attempt(1, 'SUCCESS', { utr: 'UTR1' })]),
        report(1, 'REVERSED', { statusCode: 'INVALID_ACCOUNT_FAIL' }),
        policy,
        NOW,
      ),
    );
    expect(d.next).toMatchObject({
      status: 'reversed',
      cashfreeUtr: 'UTR1',
      completedAt: T0,
      needsAttention: true,
      errorMessage: 'Cashfree reversed the transfer: INVALID_ACCOUNT_FAIL',
    });
  });

  it('REVERSED seen before SUCCESS on a processing payout makes it reversed', () => {
    const d = changed(
      decideTransferReport(payout('processing', [attempt(1, 'PENDING')]), report(1, 'REVERSED'), policy, NOW),
    );
    expect(d.next).toMatchObject({ status: 'reversed', completedAt: NOW });
  });

  it('a duplicate payout whose first transfer comes back stays completed with the other', () => {
    const p = completed([attempt(1, 'SUCCESS', { utr: 'UTR1' }), attempt(2, 'SUCCESS', { utr: 'UTR2' })]);
    const d = changed(
      decideTransferReport({ ...p, duplicatePayment: true }, report(1, 'REVERSED'), policy, NOW),
    );
    expect(d.next).toMatchObject({
      status: 'completed',
      cashfreeTransferId: 'PAYOUT_P_2',
      cashfreeUtr: 'UTR2',
    });
    expect(d.notices).toEqual([
      { kind: 'success_replaced', reversedTransferId: 'PAYOUT_P_1', standingTransferId: 'PAYOUT_P_2' },
    ]);
  });

  it('the other transfer of a duplicate coming back is recorded, the payout stays completed', () => {
    const p = completed([attempt(1, 'SUCCESS', { utr: 'UTR1' }), attempt(2, 'SUCCESS', { utr: 'UTR2' })]);
    const d = changed(decideTransferReport(p, report(2, 'REVERSED'), policy, NOW));
    expect(d.next).toMatchObject({ status: 'completed', cashfreeTransferId: 'PAYOUT_P_1' });
    expect(d.next.attempts[1]!.cashfreeStatus).toBe('REVERSED');
    expect(d.notices).toEqual([{ kind: 'other_transfer_reversed', transferId: 'PAYOUT_P_2' }]);
  });
});

describe('failures', () => {
  it('a retryable failure of the current attempt schedules a retry while attempts are left', () => {
    const d = changed(
      decideTransferReport(
        payout('processing', [attempt(1, 'PENDING')]),
        report(1, 'FAILED', { statusCode: 'WAIT_TIME_EXCEEDED' }),
        policy,
        NOW,
      ),
    );
    expect(d.next).toMatchObject({ status: 'retry_scheduled', retryCount: 1 });
  });

  it('a failure of an earlier attempt is recorded only', () => {
    const p = payout('processing', [attempt(1, 'PENDING'), attempt(2, 'PENDING')]);
    const d = changed(decideTransferReport(p, report(1, 'FAILED'), policy, NOW));
    expect(d.next.status).toBe('processing');
    expect(d.next.attempts[0]!.cashfreeStatus).toBe('FAILED');
  });
});

describe('attempt history never goes backwards', () => {
  it('a stale PENDING after SUCCESS changes nothing', () => {
    const p = payout('completed', [attempt(1, 'SUCCESS', { statusCode: 'COMPLETED', utr: 'UTR1' })], {
      cashfreeUtr: 'UTR1',
      completedAt: T0,
    });
    expect(
      decideTransferReport(p, report(1, 'PENDING', { statusCode: 'SENT_TO_BANK' }), policy, NOW),
    ).toEqual({
      kind: 'ignored',
      reason: 'stale',
    });
  });

  it('a stale FAILED after SUCCESS changes nothing', () => {
    const p = payout('completed', [attempt(1, 'SUCCESS')], { completedAt: T0 });
    expect(decideTransferReport(p, report(1, 'FAILED'), policy, NOW).kind).toBe('ignored');
  });

  it('a report for a transfer the payout never made changes nothing', () => {
    expect(
      decideTransferReport(payout('processing', [attempt(1, 'PENDING')]), report(9, 'SUCCESS'), policy, NOW),
    ).toEqual({
      kind: 'ignored',
      reason: 'unknown_transfer',
    });
  });

  it('the same status again only fills in what was missing', () => {
    const p = payout('completed', [attempt(1, 'SUCCESS', { statusCode: 'COMPLETED' })], { completedAt: T0 });
    const d = changed(decideTransferReport(p, report(1, 'SUCCESS'), policy, NOW));
    expect(d.next).toMatchObject({ status: 'completed', cashfreeUtr: 'UTR1', completedAt: T0 });
    expect(d.next.attempts[0]).toMatchObject({ utr: 'UTR1', cfTransferId: 'CF1' });
  });
});
