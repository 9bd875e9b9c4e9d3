import { describe, expect, it } from 'vitest';
import { checkPayoutDestination, maskAccountNumber } from '../../shared/domain/payment-details';
import type { OwnerPaymentDetails } from '../../shared/domain/payment-details';

const bank = (over: Partial<OwnerPaymentDetails> = {}): OwnerPaymentDetails => ({
  paymentMethod: 'bank',
  bankName: 'State Bank of India',
  accountNumber: '1234567890',
  ifscCode: 'SBIN0001234',
  upiId: '',
  ...over,
});

describe('owner payout destination', () => {
  it('accepts a valid bank account and normalises the IFSC', () => {
    const check = checkPayoutDestination(bank({ ifscCode: 'sbin0001234' }));
    expect(check).toEqual({
      ok: true,
      destination: {
        type: 'bank',
        accountNumber: '1234567890',
        ifsc: 'SBIN0001234',
        bankName: 'State Bank of India',
      },
    });
  });

  it('accepts an alphanumeric branch code (IBKL0070T16)', () => {
    expect(checkPayoutDestination(bank({ ifscCode: 'IBKL0070T16' })).ok).toBe(true);
  });

  it.each([
    [bank({ accountNumber: '' }), 'no account number'],
    [bank({ accountNumber: '12345' }), 'must be 9 to 18 digits'],
    [bank({ accountNumber: '12345678901234567890' }), 'must be 9 to 18 digits'],
    [bank({ ifscCode: 'SBIN1001234' }), 'IFSC code "SBIN1001234" is invalid'],
    [bank({ ifscCode: '' }), 'no IFSC code'],
    [{ ...bank(), paymentMethod: 'upi' as const, upiId: '' }, 'no UPI ID'],
    [{ ...bank(), paymentMethod: 'upi' as const, upiId: 'owner@' }, 'not a valid VPA'],
    [{ ...bank(), paymentMethod: null }, 'no payment method'],
  ])('explains what to fix: %#', (details, reason) => {
    const check = checkPayoutDestination(details);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toContain(reason);
  });

  it('never shows more than the last four digits of an account', () => {
    expect(maskAccountNumber('1234567890')).toBe('******7890');
    const check = checkPayoutDestination(bank({ accountNumber: '12345' }));
    if (!check.ok) expect(check.reason).not.toContain('12345');
  });

  it('accepts a UPI VPA', () => {
    expect(checkPayoutDestination({ ...bank(), paymentMethod: 'upi', upiId: 'asha.verma@okicici' })).toEqual({
      ok: true,
      destination: { type: 'upi', vpa: 'asha.verma@okicici' },
    });
  });
});
