import type { Paise } from './money';
import type { OwnerPaymentDetails, PaymentDetailsSummary } from './payment-details';
import type { PaymentStatus, PayoutStatus } from './payout-status';

/** An owner as the system reads it: the payment details without the account number (no key needed). */
export interface Owner {
  id: string;
  name: string;
  email: string;
  phone: string;
  paymentDetails: PaymentDetailsSummary | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * An owner with the account number in the clear: what the directory's writers store, and what a payout reads
 * for its destination. Both need the payment-details key.
 */
export interface OwnerWithAccount extends Omit<Owner, 'paymentDetails'> {
  paymentDetails: OwnerPaymentDetails | null;
}

export interface Property {
  id: string;
  ownerId: string;
  name: string;
  address: string;
  createdAt: string;
}

export interface Unit {
  id: string;
  propertyId: string;
  ownerId: string;
  unitNumber: string;
  rentPaise: Paise;
  createdAt: string;
}

export interface Tenant {
  id: string;
  name: string;
  email: string;
  phone: string;
  unitId: string | null;
  createdAt: string;
}

export interface Payment {
  id: string;
  tenantId: string;
  unitId: string;
  propertyId: string;
  ownerId: string;
  /** Rent period, "YYYY-MM". */
  period: string;
  amountPaise: Paise;
  status: PaymentStatus;
  merchantOrderId: string;
  phonepeOrderId: string | null;
  checkoutUrl: string | null;
  /** When the PhonePe order expires (ISO 8601); `expiresAt` is only ever a TTL in epoch seconds. */
  orderExpiresAt: string | null;
  phonepeTransactionId: string | null;
  paymentMode: string | null;
  /** Why the payment needs an operator's eye (e.g. an amount mismatch); empty when it does not. */
  flags: string[];
  /** The payout this payment started, once the payout starter has recorded it. */
  payoutId?: string | null;
  /** Refunds PhonePe reported for this payment (recorded only: see docs/payments.md). */
  refunds?: PaymentRefund[];
  /** For a payment flagged `duplicate_payment`: the payment that had already paid its unit and period. */
  duplicateOf?: string | null;
  /** For a payment flagged `amount_mismatch`: the amount PhonePe reported as collected, in paise. */
  phonepeAmountPaise?: number | null;
  /** Operators' resolutions of the payment's flags (amount_mismatch, duplicate_payment). */
  resolutions?: PaymentResolution[];
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  version: number;
}

export interface PaymentRefund {
  merchantRefundId: string;
  state: string;
  amountPaise: number | null;
  event: string;
  recordedAt: string;
}

export interface PaymentResolution {
  flag: 'amount_mismatch' | 'duplicate_payment';
  resolution: 'refunded' | 'accepted';
  note: string;
  /** The admin's user id (the token's subject). */
  by: string;
  at: string;
}

/** One Cashfree transfer attempt of a payout: kept forever, so a payout shows its whole history. */
export interface PayoutAttempt {
  attempt: number;
  /** The workflow run that made this attempt (automatic retries are counted per run). */
  run: number;
  transferId: string;
  /**
   * Cashfree's status (RECEIVED, PENDING, SUCCESS, FAILED, ...), SUBMITTING before Cashfree answered, or
   * NOT_ACCEPTED when Cashfree refused the request or never had the transfer (shared/domain/attempt-status.ts).
   */
  cashfreeStatus: string;
  statusCode: string | null;
  description: string | null;
  cfTransferId: string | null;
  utr: string | null;
  requestedAt: string;
  updatedAt: string;
}

export interface OwnerPayout {
  id: string;
  paymentId: string;
  ownerId: string;
  ownerName: string;
  unitId: string;
  /** The rent period this payout pays ("YYYY-MM"): an owner is paid once per unit and period. */
  period: string;
  propertyId: string;
  amountPaise: Paise;
  status: PayoutStatus;
  beneficiaryType: 'bank' | 'upi' | null;
  cashfreeTransferId: string | null;
  cashfreeUtr: string | null;
  /** Retries after a failed attempt (automatic or manual); the Django field of the same name. */
  retryCount: number;
  /** Number of the latest transfer attempt (0 before the first). */
  attempt: number;
  /** Workflow run (1, then +1 per manual retry): the execution is named `<id>-<run>`. */
  run: number;
  initiatedAt: string;
  completedAt: string | null;
  updatedAt: string;
  errorMessage: string;
  needsAttention: boolean;
  /**
   * Two transfers of this payout succeeded: the owner was paid twice. Set once, never cleared by the system
   * (absent on payouts stored before the flag existed).
   */
  duplicatePayment?: boolean;
  attempts: PayoutAttempt[];
  version: number;
}
