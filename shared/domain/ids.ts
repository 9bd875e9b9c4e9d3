import { monotonicFactory } from 'ulid';

const nextUlid = monotonicFactory();

/** Ids are opaque, sortable strings (ULIDs): newer ids sort after older ones. */
export function newId(): string {
  return nextUlid();
}

export const ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export function isId(value: string): boolean {
  return ID_PATTERN.test(value);
}

/**
 * PhonePe merchantOrderId: at most 63 characters, letters, digits, `_` and `-` only.
 * `RENT_<ULID>` is 31 characters and maps back to the payment without a lookup.
 */
export function merchantOrderIdFor(paymentId: string): string {
  return `RENT_${paymentId}`;
}

export function paymentIdFromMerchantOrderId(merchantOrderId: string): string | null {
  const match = /^RENT_([0-9A-HJKMNP-TV-Z]{26})$/.exec(merchantOrderId);
  return match?.[1] ?? null;
}

/**
 * Cashfree transfer_id: at most 40 characters, alphanumeric and `_`. One id per attempt, never reused
 * for another attempt (invariant 2): `PAYOUT_<ULID>_<attempt>` is 7 + 26 + 1 + up to 6 digits.
 */
export function transferIdFor(payoutId: string, attempt: number): string {
  if (!Number.isInteger(attempt) || attempt < 1 || attempt > 999_999) {
    throw new RangeError(`attempt must be a whole number from 1, got ${attempt}`);
  }
  return `PAYOUT_${payoutId}_${attempt}`;
}

/** Step Functions execution name for a payout run: `<payoutId>-<run>`; a run restarts only on manual retry. */
export function executionNameFor(payoutId: string, run: number): string {
  return `${payoutId}-${run}`;
}
