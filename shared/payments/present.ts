import type { Payment } from '../domain/entities';
import { formatRupees, paise } from '../domain/money';

/** A payment as the REST API renders it: snake_case, amount as a two-decimal string. */
export function presentPayment(p: Payment) {
  return {
    id: p.id,
    unit_id: p.unitId,
    tenant_id: p.tenantId,
    owner_id: p.ownerId,
    period: p.period,
    amount: formatRupees(p.amountPaise),
    status: p.status,
    merchant_order_id: p.merchantOrderId,
    checkout_url: p.checkoutUrl,
    expires_at: p.orderExpiresAt,
    created_at: p.createdAt,
    completed_at: p.completedAt,
    flags: p.flags,
    refunds: (p.refunds ?? []).map((r) => ({
      merchant_refund_id: r.merchantRefundId,
      state: r.state,
      amount: r.amountPaise === null ? null : formatRupees(r.amountPaise as never),
      recorded_at: r.recordedAt,
    })),
    duplicate_of: p.duplicateOf ?? null,
    phonepe_amount:
      p.phonepeAmountPaise === null || p.phonepeAmountPaise === undefined
        ? null
        : formatRupees(paise(p.phonepeAmountPaise)),
    resolutions: (p.resolutions ?? []).map((r) => ({
      flag: r.flag,
      resolution: r.resolution,
      note: r.note,
      by: r.by,
      at: r.at,
    })),
  };
}
