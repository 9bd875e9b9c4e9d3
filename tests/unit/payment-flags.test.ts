import { describe, expect, it } from 'vitest';
import type { Payment } from '../../shared/domain/entities';
import { newId } from '../../shared/domain/ids';
import { paise } from '../../shared/domain/money';
import { pendingPayment } from '../../shared/payments/new-payment';
import { openFlag, withFlag } from '../../shared/payments/payment-flags';

const payment = (over: Partial<Payment> = {}): Payment => ({
  ...pendingPayment({
    id: newId(),
    tenantId: newId(),
    unitId: newId(),
    propertyId: newId(),
    ownerId: newId(),
    period: '2030-01',
    amountPaise: paise(1_500_000),
    now: '2030-01-01T00:00:00.000Z',
  }),
  ...over,
});
const resolution = (flag: 'amount_mismatch' | 'duplicate_payment') => ({
  flag,
  resolution: 'refunded' as const,
  note: 'n',
  by: 'ops',
  at: '2030-01-02T00:00:00.000Z',
});

describe('operator flags', () => {
  it('a flag that stops the money path is open until an operator records a resolution for it', () => {
    expect(openFlag(payment())).toBeNull();
    expect(openFlag(payment({ flags: ['late_completion_after_expired', 'refunded'] }))).toBeNull();
    expect(openFlag(payment({ flags: ['amount_mismatch'] }))).toBe('amount_mismatch');
    expect(openFlag(payment({ flags: ['duplicate_payment'] }))).toBe('duplicate_payment');
    expect(
      openFlag(payment({ flags: ['amount_mismatch'], resolutions: [resolution('duplicate_payment')] })),
    ).toBe('amount_mismatch');
    expect(
      openFlag(payment({ flags: ['amount_mismatch'], resolutions: [resolution('amount_mismatch')] })),
    ).toBeNull();
    // An accepted mismatch that then completed as a duplicate waits on the duplicate.
    expect(
      openFlag(
        payment({
          flags: ['amount_mismatch', 'duplicate_payment'],
          resolutions: [resolution('amount_mismatch')],
        }),
      ),
    ).toBe('duplicate_payment');
  });

  it('adds a flag once', () => {
    expect(withFlag(['a'], 'b')).toEqual(['a', 'b']);
    expect(withFlag(['a', 'b'], 'b')).toEqual(['a', 'b']);
  });
});
