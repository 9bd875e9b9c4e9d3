/**
 * Money is integer paise everywhere inside the system (invariant 4). It becomes a two-decimal string
 * ("15000.00") in the REST API and a rupee number with two decimals where Cashfree wants a number.
 */
export type Paise = number & { readonly __brand: 'Paise' };

export class InvalidAmountError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'InvalidAmountError';
  }
}

export function paise(value: number): Paise {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidAmountError(`An amount in paise must be a non-negative whole number, got ${value}`);
  }
  return value as Paise;
}

/** "15000.00" or "15000" or "15000.5" -> 1500000 paise. Rejects more than two decimals, signs and exponents. */
export function parseRupees(text: string): Paise {
  const match = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!match) {
    throw new InvalidAmountError(`"${text}" is not an amount in rupees with at most two decimals`);
  }
  const rupees = Number(match[1]);
  const fraction = Number((match[2] ?? '').padEnd(2, '0'));
  return paise(rupees * 100 + fraction);
}

/** 1500000 -> "15000.00", the Django DecimalField rendering the owner app expects. */
export function formatRupees(amount: Paise): string {
  const rupees = Math.floor(amount / 100);
  const fraction = amount % 100;
  return `${rupees}.${fraction.toString().padStart(2, '0')}`;
}

/** 1500000 -> 15000, 150050 -> 1500.5: the number Cashfree's transfer_amount takes (two decimals at most). */
export function toRupeeNumber(amount: Paise): number {
  return Number(formatRupees(amount));
}

/** Cashfree reports amounts as rupee numbers; convert back without floating-point drift. */
export function fromRupeeNumber(amount: number): Paise {
  if (!Number.isFinite(amount) || amount < 0) {
    throw new InvalidAmountError(`Invalid rupee amount ${amount}`);
  }
  return paise(Math.round(amount * 100));
}
