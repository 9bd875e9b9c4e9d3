import type { Payment, Unit } from '../domain/entities';
import { newId } from '../domain/ids';
import { pendingPayment } from './new-payment';
import type { PhonePeClient } from '../clients/phonepe-client';
import { PhonePeApiError, PhonePeUnavailableError } from '../clients/phonepe-client';
import {
  ConditionalWriteError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnavailableError,
} from '../errors';
import type { Principal } from '../http/principal';
import type { DirectoryRepository } from '../repositories/directory-repository';
import type { PaymentRepository } from '../repositories/payment-repository';
import { logger } from '../logger';
import { openFlag, PaymentFlags, withFlag } from './payment-flags';

export interface CreateRentPaymentDeps {
  directory: DirectoryRepository;
  payments: PaymentRepository;
  phonepe: Pick<PhonePeClient, 'createPayment'>;
  redirectUrl: string;
  orderExpirySeconds: number;
  /**
   * The longest a create attempt can live (the function's timeout). A pending payment with no checkout URL
   * older than this belongs to an attempt that died between claiming the period and saving the URL.
   */
  createAttemptSeconds: number;
  now: () => Date;
}

export interface CreateRentPaymentResult {
  payment: Payment;
  created: boolean;
}

const BEING_CREATED = 'A payment for this period is being created; retry in a moment.';

/**
 * Primary course: a tenant asks to pay a unit's rent for a period; the amount is the unit's rent on the
 * server (never the client's), one payment holds a unit+period, and PhonePe gives the checkout URL.
 * Repeating the request returns the same pending payment; a completed period is a 409. A payment nobody can
 * pay any more (its create attempt died before saving the checkout URL, or its order expired) is given up and
 * a new one made, so a retry always gets a usable answer; only a create running right now is a short 409.
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

  const nowMs = deps.now().getTime();
  const payment: Payment = {
    ...pendingPayment({
      id: newId(),
      tenantId: tenant.id,
      unitId: unit.id,
      propertyId: unit.propertyId,
      ownerId: unit.ownerId,
      period: input.period,
      amountPaise: unit.rentPaise,
      now: new Date(nowMs).toISOString(),
    }),
    // The order's lifetime as asked of PhonePe; PhonePe's own expireAt replaces it once the order exists.
    orderExpiresAt: new Date(nowMs + deps.orderExpirySeconds * 1000).toISOString(),
  };
  // A claim can change between the read and the claim (a concurrent request): look again, a few times.
  for (let round = 0; round < 3; round += 1) {
    const holder = await deps.payments.getForPeriod(unit.id, input.period);
    if (holder) {
      const resumed = await answerForHolder(deps, holder, input.period);
      if (resumed) return { payment: resumed, created: false };
    }
    const claim = await deps.payments.create(payment);
    if (claim.created) return { payment: await createOrder(deps, payment, unit), created: true };
  }
  throw new ConflictError(BEING_CREATED, { retryAfterSeconds: 1 });
}

/**
 * The payment holding the period decides the answer: resume it (its checkout URL), refuse (already paid, under
 * review, being created right now), or null: the period is free for a new payment. A pending payment nobody
 * can pay is given up here first. If PhonePe did create its order and the order completes after all, that is a
 * late completion, which the confirmation handles like any other (docs/payments.md, "One payout per unit and
 * period").
 */
async function answerForHolder(
  deps: CreateRentPaymentDeps,
  holder: Payment,
  period: string,
): Promise<Payment | null> {
  if (holder.status === 'completed') throw new ConflictError(`Rent for ${period} is already paid.`);
  if (holder.status !== 'pending') return null;
  if (openFlag(holder))
    throw new ConflictError(
      `The payment for ${period} is being reviewed: PhonePe reported another amount. Please contact support.`,
    );
  const nowMs = deps.now().getTime();
  if (holder.checkoutUrl) {
    if (!holder.orderExpiresAt || Date.parse(holder.orderExpiresAt) > nowMs) return holder;
    await giveUp(deps, holder, 'expired', null, 'Payment expired: its checkout expired unpaid');
    return null;
  }
  const ageMs = nowMs - Date.parse(holder.createdAt);
  const attemptMs = deps.createAttemptSeconds * 1000;
  if (ageMs < attemptMs) {
    throw new ConflictError(BEING_CREATED, {
      retryAfterSeconds: Math.max(1, Math.ceil((attemptMs - ageMs) / 1000)),
    });
  }
  await giveUp(
    deps,
    holder,
    'failed',
    PaymentFlags.checkoutLost,
    'Payment given up: its create attempt ended before the checkout URL was saved',
  );
  return null;
}

/** Ends a payment nobody can pay; if it changed meanwhile, the caller's next look decides. */
async function giveUp(
  deps: CreateRentPaymentDeps,
  holder: Payment,
  status: 'failed' | 'expired',
  flag: string | null,
  message: string,
): Promise<void> {
  try {
    await deps.payments.save(
      {
        ...holder,
        status,
        flags: flag ? withFlag(holder.flags, flag) : holder.flags,
        updatedAt: deps.now().toISOString(),
      },
      holder.version,
    );
    logger.warn(message, { payment_id: holder.id, merchant_order_id: holder.merchantOrderId });
  } catch (error) {
    if (!(error instanceof ConditionalWriteError)) throw error;
  }
}

async function createOrder(deps: CreateRentPaymentDeps, payment: Payment, unit: Unit): Promise<Payment> {
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
    return { ...next, version: payment.version + 1 };
  } catch (error) {
    if (error instanceof PhonePeUnavailableError || error instanceof PhonePeApiError) {
      // No checkout URL reached the tenant, so nobody can pay this order: free the period for a new try.
      await deps.payments.save(
        {
          ...payment,
          status: 'failed',
          flags: [PaymentFlags.createFailed],
          updatedAt: deps.now().toISOString(),
        },
        payment.version,
      );
      logger.warn('PhonePe create payment failed', { payment_id: payment.id, error: error.message });
      throw new UnavailableError('The payment provider is unavailable; please try again.', { cause: error });
    }
    throw error;
  }
}
