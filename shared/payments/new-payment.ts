import type { Payment } from '../domain/entities';
import { merchantOrderIdFor } from '../domain/ids';
import type { Paise } from '../domain/money';

/** A new pending payment, before PhonePe has an order for it. */
export function pendingPayment(p: {
  id: string;
  tenantId: string;
  unitId: string;
  propertyId: string;
  ownerId: string;
  period: string;
  amountPaise: Paise;
  now: string;
}): Payment {
  return {
    id: p.id,
    tenantId: p.tenantId,
    unitId: p.unitId,
    propertyId: p.propertyId,
    ownerId: p.ownerId,
    period: p.period,
    amountPaise: p.amountPaise,
    status: 'pending',
    merchantOrderId: merchantOrderIdFor(p.id),
    phonepeOrderId: null,
    checkoutUrl: null,
    orderExpiresAt: null,
    phonepeTransactionId: null,
    paymentMode: null,
    flags: [],
    createdAt: p.now,
    updatedAt: p.now,
    completedAt: null,
    version: 1,
  };
}
