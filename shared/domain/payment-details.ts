/**
 * Owner payment details as the Django model had them, and their validation at payout time.
 * The reasons are written for the owner: each says what to fix.
 */
export type PaymentMethod = 'bank' | 'upi';

export interface OwnerPaymentDetails {
  paymentMethod: PaymentMethod | null;
  bankName: string;
  accountNumber: string;
  ifscCode: string;
  upiId: string;
}

/** The details without the account number, which only appears masked (last four digits). */
export interface PaymentDetailsSummary extends Omit<OwnerPaymentDetails, 'accountNumber'> {
  accountNumberMasked: string;
}

export function summarizePaymentDetails(details: OwnerPaymentDetails): PaymentDetailsSummary {
  const { accountNumber, ...rest } = details;
  const account = accountNumber.trim();
  return { ...rest, accountNumberMasked: account ? maskAccountNumber(account) : '' };
}

export type PayoutDestination =
  { type: 'bank'; accountNumber: string; ifsc: string; bankName: string } | { type: 'upi'; vpa: string };

export const IFSC_PATTERN = /^[A-Z]{4}0[A-Z0-9]{6}$/;
export const ACCOUNT_NUMBER_PATTERN = /^\d{9,18}$/;
// handle@psp: Cashfree allows letters, digits, '.', '-', '_' before the @ and letters/digits after it.
export const VPA_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{1,255}@[A-Za-z][A-Za-z0-9]{1,63}$/;

export type DestinationCheck = { ok: true; destination: PayoutDestination } | { ok: false; reason: string };

export function checkPayoutDestination(details: OwnerPaymentDetails | null): DestinationCheck {
  if (!details || details.paymentMethod === null) {
    return { ok: false, reason: 'owner has no payment method configured; add bank or UPI details' };
  }
  if (details.paymentMethod === 'upi') {
    const vpa = details.upiId.trim();
    if (vpa === '') return { ok: false, reason: 'UPI is selected but no UPI ID is set' };
    if (!VPA_PATTERN.test(vpa))
      return { ok: false, reason: `UPI ID "${vpa}" is not a valid VPA (name@bank)` };
    return { ok: true, destination: { type: 'upi', vpa } };
  }
  const accountNumber = details.accountNumber.trim();
  const ifsc = details.ifscCode.trim().toUpperCase();
  if (accountNumber === '')
    return { ok: false, reason: 'bank transfer is selected but no account number is set' };
  if (!ACCOUNT_NUMBER_PATTERN.test(accountNumber)) {
    return { ok: false, reason: `account number ${maskAccountNumber(accountNumber)} must be 9 to 18 digits` };
  }
  if (ifsc === '') return { ok: false, reason: 'bank transfer is selected but no IFSC code is set' };
  if (!IFSC_PATTERN.test(ifsc)) {
    return {
      ok: false,
      reason: `IFSC code "${ifsc}" is invalid (expected 4 letters, 0, then 6 letters or digits)`,
    };
  }
  return { ok: true, destination: { type: 'bank', accountNumber, ifsc, bankName: details.bankName.trim() } };
}

/** Last four digits only (invariant 5): every API response and log line shows account numbers this way. */
export function maskAccountNumber(accountNumber: string): string {
  const digits = accountNumber.trim();
  if (digits.length <= 4) return '*'.repeat(digits.length);
  return `${'*'.repeat(digits.length - 4)}${digits.slice(-4)}`;
}

export function maskDestination(destination: PayoutDestination): Record<string, string> {
  return destination.type === 'bank'
    ? { type: 'bank', account_number: maskAccountNumber(destination.accountNumber), ifsc: destination.ifsc }
    : { type: 'upi', vpa: destination.vpa };
}
