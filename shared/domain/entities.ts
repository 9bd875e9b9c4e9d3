import type { Paise } from './money';
import type { OwnerPaymentDetails } from './payment-details';
import type { PaymentStatus, PayoutStatus } from './payout-status';

export interface Owner {
  id: string;
  name: string;
  email: string;
  phone: string;
  paymentDetails: OwnerPaymentDetails | null;
  createdAt: string;
  updatedAt: string;
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
  expiresAt: string | null;
  phonepeTransactionId: string | null;
  paymentMode: string | null;
  /** Why the payment needs an operator's eye (e.g. an amount mismatch); empty when it does not. */
  flags: string[];
  /** The payout this payment started, once the payout starter has recorded it. */
  payoutId?: string | null;
  /** Refunds PhonePe reported for this payment (recorded only: see docs/payments.md). */
  refunds?: PaymentRefund[];
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
