import type { OwnerPayout } from '../domain/entities';
import { formatRupees } from '../domain/money';

/**
 * A payout as the owner app knows it from the Django serializer. These field names are a contract:
 * more may be added, none renamed. Absent values are null, error_message is "" when there is none.
 */
export function presentPayout(p: OwnerPayout) {
  return {
    id: p.id,
    payment_id: p.paymentId,
    owner_id: p.ownerId,
    amount: formatRupees(p.amountPaise),
    status: p.status,
    beneficiary_type: p.beneficiaryType,
    cashfree_transfer_id: p.cashfreeTransferId,
    cashfree_utr: p.cashfreeUtr,
    retry_count: p.retryCount,
    initiated_at: p.initiatedAt,
    completed_at: p.completedAt,
    error_message: p.errorMessage,
    owner_name: p.ownerName,
    unit_id: p.unitId,
    needs_attention: p.needsAttention,
  };
}

/** The detail view: the contract fields plus the attempt history. */
export function presentPayoutDetail(p: OwnerPayout) {
  return {
    ...presentPayout(p),
    needs_attention: p.needsAttention,
    duplicate_payment: p.duplicatePayment ?? false,
    attempts: p.attempts.map((a) => ({
      attempt: a.attempt,
      transfer_id: a.transferId,
      cashfree_status: a.cashfreeStatus,
      status_code: a.statusCode,
      description: a.description,
      utr: a.utr,
      requested_at: a.requestedAt,
      updated_at: a.updatedAt,
    })),
  };
}
