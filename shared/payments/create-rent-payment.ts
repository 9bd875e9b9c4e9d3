import type { Payment } from '../domain/entities';
import { newId } from '../domain/ids';
import { pendingPayment } from './new-payment';
import type { PhonePeClient } from '../clients/phonepe-client';
import { PhonePeApiError, PhonePeUnavailableError } from '../clients/phonepe-client';
import { ConflictError, HttpError, NotFoundError } from '../errors';
import type { Principal } from '../http/principal';
import { ForbiddenError } from '../errors';
import type { DirectoryRepository } from '../repositories/directory-repository';
import type { PaymentRepository } from '../repositories/payment-repository';
import { logger } from '../logger';

export interface CreateRentPaymentDeps {
  directory: DirectoryRepository;
  payments: PaymentRepository;
  phonepe: Pick<PhonePeClient, 'createPayment'>;
  redirectUrl: string;
  orderExpirySeconds: number;
  now: () => Date;
}

export interface CreateRentPaymentResult {
  payment: Payment;
  created: boolean;
}

/**
 * Primary course: a tenant asks to pay a unit's rent for a period; the amount is the unit's rent on the
 * server (never the client's), one payment holds a unit+period, and PhonePe gives the checkout URL.
 * Repeating the request returns the same pending payment; a completed period is a 409.
 */
export async function createRentPayment(
  deps: CreateRentPaymentDeps,
  principal: Principal,
  input: { unitId: string; period: string },
): Promise<CreateRentPaymentResult> {
  if (!principal.groups.has('tenants') || !principal.tenantId) {
    throw new ForbiddenError('Only tenants can start rent payments.');
  }
  const tenant = await deps.directory.getTenant(principal.tenantId);
  // A unit the tenant does not rent is reported like a missing one: no probing of other units.
  if (!tenant || tenant.unitId !== input.unitId) throw new NotFoundError('Unit not found.');
  const unit = await deps.directory.getUnit(input.unitId);
  if (!unit) throw new NotFoundError('Unit not found.');

  const existing = await deps.payments.getForPeriod(unit.id, input.period);
  if (existing?.status === 'completed') throw new ConflictError(`Rent for ${input.period} is already paid.`);
  if (existing?.status === 'pending' && existing.checkoutUrl) return { payment: existing, created: false };

  const now = deps.now().toISOString();
  const id = newId();
  const payment = pendingPayment({
    id,
    tenantId: tenant.id,
    unitId: unit.id,
    propertyId: unit.propertyId,
    ownerId: unit.ownerId,
    period: input.period,
    amountPaise: unit.rentPaise,
    now,
  });
  const claim = await deps.payments.create(payment);
  if (!claim.created) {
    const holder = await deps.payments.get(claim.existingPaymentId);
    if (holder?.status === 'completed') throw new ConflictError(`Rent for ${input.period} is already paid.`);
    if (holder?.checkoutUrl) return { payment: holder, created: false };
    // Another request for the same period is creating its PhonePe order right now.
    throw new ConflictError('A payment for this period is being created; retry in a moment.');
  }

  try {
    const order = await deps.phonepe.createPayment({
      merchantOrderId: payment.merchantOrderId,
      amountPaise: payment.amountPaise,
      redirectUrl: `${deps.redirectUrl}?payment_id=${payment.id}`,
      expireAfterSeconds: deps.orderExpirySeconds,
      message: `Rent ${payment.period}`,
      udf: { udf1: payment.id, udf2: unit.id, udf3: payment.period },
    });
    const next: Payment = {
      ...payment,
      phonepeOrderId: order.orderId,
      checkoutUrl: order.redirectUrl,
      orderExpiresAt: new Date(order.expireAt).toISOString(),
      updatedAt: deps.now().toISOString(),
    };
    await deps.payments.save(next, payment.version);
    return { payment: { ...next, version: payment.version + 1 }, created: true };
  } catch (error) {
    if (error instanceof PhonePeUnavailableError || error instanceof PhonePeApiError) {
      // No checkout URL reached the tenant, so nobody can pay this order: free the period for a new try.
      await deps.payments.save(
        {
          ...payment,
          status: 'failed',
          flags: ['phonepe_create_failed'],
          updatedAt: deps.now().toISOString(),
        },
        payment.version,
      );
      logger.warn('PhonePe create payment failed', { payment_id: payment.id, error: error.message });
      throw new HttpError(503, 'The payment provider is unavailable; please try again.', { cause: error });
    }
    throw error;
  }
}
