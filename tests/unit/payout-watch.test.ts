import { describe, expect, it } from 'vitest';
import type { OwnerPayout, PayoutAttempt } from '../../shared/domain/entities';
import { paise } from '../../shared/domain/money';
import {
  attemptsToAsk,
  DEFAULT_WATCH_POLICY,
  dueBefore,
  isWatched,
  markFor,
  nextLookAt,
} from '../../shared/domain/payout-watch';

const T0 = '2026-03-01T10:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000);
const HOUR = 3600;
const DAY = 86_400;

function attempt(n: number, cashfreeStatus: string): PayoutAttempt {
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
  };
}

function payout(status: OwnerPayout['status'], attempts: PayoutAttempt[], completedAt: string | null = null) {
  return {
    id: 'P',
    paymentId: 'PAY',
    ownerId: 'O',
    ownerName: 'Owner',
    unitId: 'U',
    period: '2031-01',
    propertyId: 'PR',
    amountPaise: paise(100),
    status,
    beneficiaryType: 'bank',
    cashfreeTransferId: attempts.at(-1)?.transferId ?? null,
    cashfreeUtr: null,
    retryCount: 0,
    attempt: attempts.at(-1)?.attempt ?? 0,
    run: 1,
    initiatedAt: T0,
    completedAt,
    updatedAt: T0,
    errorMessage: '',
    needsAttention: false,
    attempts,
    version: 2,
  } satisfies OwnerPayout;
}

describe('what the payout reconciler watches', () => {
  it('watches unfinished payouts, transfers in flight and completed payouts; not a settled failure', () => {
    expect(isWatched(payout('pending', []))).toBe(true);
    expect(isWatched(payout('processing', [attempt(1, 'PENDING')]))).toBe(true);
    expect(isWatched(payout('retry_scheduled', [attempt(1, 'FAILED')]))).toBe(true);
    expect(isWatched(payout('completed', [attempt(1, 'SUCCESS')], T0))).toBe(true);
    expect(isWatched(payout('failed', [attempt(1, 'FAILED')]))).toBe(false);
    expect(isWatched(payout('failed', []))).toBe(false);
    expect(isWatched(payout('reversed', [attempt(1, 'REVERSED')]))).toBe(false);
    // A failed payout whose transfer Cashfree still has in flight (or never answered about).
    expect(isWatched(payout('failed', [attempt(1, 'RECEIVED')]))).toBe(true);
    expect(isWatched(payout('failed', [attempt(1, 'SUBMITTING')]))).toBe(true);
    expect(isWatched(payout('reversed', [attempt(1, 'FAILED'), attempt(2, 'PENDING')]))).toBe(true);
  });

  it('asks about the current attempt only when no run is running, and always about transfers in flight', () => {
    const p = payout('processing', [attempt(1, 'RECEIVED'), attempt(2, 'PENDING')]);
    expect(attemptsToAsk(p, true).map((a) => a.attempt)).toEqual([1]);
    expect(attemptsToAsk(p, false).map((a) => a.attempt)).toEqual([1, 2]);
    const retrying = payout('retry_scheduled', [attempt(1, 'FAILED')]);
    expect(attemptsToAsk(retrying, false).map((a) => a.attempt)).toEqual([1]);
    expect(attemptsToAsk(retrying, true)).toEqual([]);
  });

  it('asks about the successful transfers of a completed payout (reversal) and the ones still in flight', () => {
    const p = payout('completed', [attempt(1, 'FAILED'), attempt(2, 'SUCCESS'), attempt(3, 'PENDING')], T0);
    expect(attemptsToAsk(p, false).map((a) => a.attempt)).toEqual([2, 3]);
    expect(attemptsToAsk(payout('failed', [attempt(1, 'FAILED')]), false)).toEqual([]);
  });
});

describe('when it looks next', () => {
  const policy = DEFAULT_WATCH_POLICY;

  it('looks again after staleAfterSeconds while the payout or a transfer is unfinished, or Cashfree did not answer', () => {
    const soon = at(HOUR + policy.staleAfterSeconds);
    expect(nextLookAt(payout('processing', [attempt(1, 'PENDING')]), policy, at(HOUR))).toEqual(soon);
    expect(
      nextLookAt(payout('completed', [attempt(1, 'SUCCESS'), attempt(2, 'PENDING')], T0), policy, at(HOUR)),
    ).toEqual(soon);
    expect(nextLookAt(payout('completed', [attempt(1, 'SUCCESS')], T0), policy, at(HOUR), true)).toEqual(
      soon,
    );
  });

  it('checks a completed payout for a reversal through the window, then stops', () => {
    const p = payout('completed', [attempt(1, 'SUCCESS')], T0);
    const looks: number[] = [];
    for (let now = at(policy.staleAfterSeconds); ;) {
      const next = nextLookAt(p, policy, now);
      if (!next) break;
      looks.push((next.getTime() - Date.parse(T0)) / 1000);
      now = next;
    }
    expect(looks).toEqual([6 * HOUR, DAY, 2 * DAY, 4 * DAY, 7 * DAY, 10 * DAY]);
    expect(nextLookAt(p, policy, at(10 * DAY))).toBeNull();
    // A look that came late skips the checks it missed.
    expect(nextLookAt(p, policy, at(3 * DAY))).toEqual(at(4 * DAY));
  });

  it('takes the window from configuration, keeping only the checks inside it', () => {
    const short = { staleAfterSeconds: 2, reversalWindowSeconds: 30 * HOUR };
    const p = payout('completed', [attempt(1, 'SUCCESS')], T0);
    expect(nextLookAt(p, short, at(7 * HOUR))).toEqual(at(DAY));
    expect(nextLookAt(p, short, at(DAY))).toEqual(at(30 * HOUR));
    expect(nextLookAt(p, short, at(30 * HOUR))).toBeNull();
  });

  it('stops watching a settled failure or reversal', () => {
    expect(nextLookAt(payout('failed', [attempt(1, 'FAILED')]), policy, at(HOUR))).toBeNull();
    expect(nextLookAt(payout('reversed', [attempt(1, 'REVERSED')], T0), policy, at(HOUR))).toBeNull();
  });

  it('marks a payout so that it is due exactly at its next look', () => {
    const look = at(DAY);
    const mark = markFor(look, policy);
    expect(mark < dueBefore(at(DAY + 1), policy)).toBe(true);
    expect(mark < dueBefore(at(DAY - 1), policy)).toBe(false);
  });
});
