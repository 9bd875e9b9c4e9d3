import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { DEMO, demoTokens } from '../../infra/local/demo';
import { PhonePeClient } from '../../shared/clients/phonepe-client';
import type { PhonePeOrderStatus } from '../../shared/clients/phonepe-client';
import type { OwnerPayout, Payment } from '../../shared/domain/entities';
import { pendingPayment } from '../../shared/payments/new-payment';
import { DEFAULT_RECONCILE_POLICY, reconcilePayments } from '../../shared/payments/reconcile-payments';
import { expectedAuthorization } from '../../shared/payments/phonepe-webhook';
import { DynamoReconcilerPositions } from '../../shared/repositories/index-page';
import { DynamoPaymentRepository } from '../../shared/repositories/payment-repository';
import { DynamoPhonePeEventRepository } from '../../shared/repositories/phonepe-event-repository';
import { keys } from '../../shared/repositories/keys';
import { DynamoPayoutRepository } from '../../shared/repositories/payout-repository';
import { newId } from '../../shared/domain/ids';
import { eventually, logged, startTestStack } from '../support/local-stack';
import { paymentCompletedOutsideTheStream } from '../support/payouts';
import type { TestStack } from '../support/local-stack';

let stack: TestStack;
let tokens: Awaited<ReturnType<typeof demoTokens>>;
let period = 0;

const dataDir = mkdtempSync(join(tmpdir(), 'rent-payout-payments-'));

beforeAll(async () => {
  stack = await startTestStack({
    dataDir,
    functionEnv: {
      RECONCILE_FIRST_CHECK_AFTER_SECONDS: '0',
      RECONCILE_PAYOUT_GRACE_SECONDS: '0',
      // Long enough for the stream to take a webhook event first, short enough for a test to wait for.
      RECONCILE_EVENT_GRACE_SECONDS: '2',
      // Small, so a backlog takes several runs to page through.
      RECONCILE_MAX_CHECKS_PER_RUN: '25',
    },
  });
  tokens = await demoTokens(stack);
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

const phonepe = (path: string, init?: RequestInit) => fetch(`${stack.urls.phonepe}${path}`, init);
const setFaults = (faults: Record<string, unknown>) =>
  phonepe('/_sandbox/faults', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
  });
const webhookHeaders = () => ({
  'content-type': 'application/json',
  authorization: expectedAuthorization(
    stack.credentials.phonepe.webhookUsername,
    stack.credentials.phonepe.webhookPassword,
  ),
});

/** A rent period of the demo unit no other test uses. */
function nextPeriod(): string {
  period += 1;
  return `20${40 + Math.floor(period / 12)}-${String((period % 12) + 1).padStart(2, '0')}`;
}

async function newPayment() {
  const p = nextPeriod();
  const created = await stack.api('/api/payments/', {
    method: 'POST',
    token: tokens.tenant,
    json: { unit_id: DEMO.unitId, period: p },
  });
  expect(created.status).toBe(201);
  return { id: String(created.body.id), merchantOrderId: String(created.body.merchant_order_id), period: p };
}

const reconcilerRepositories = () => ({
  payments: new DynamoPaymentRepository(stack.documentClient, stack.tables.payments),
  events: new DynamoPhonePeEventRepository(stack.documentClient, stack.tables.payments),
  positions: new DynamoReconcilerPositions(stack.documentClient, stack.tables.payments),
});

const paymentView = (id: string, token = tokens.tenant) => stack.api(`/api/payments/${id}/`, { token });
const completedView = (id: string) =>
  eventually(async () =>
    (await paymentView(id)).body.status === 'completed' ? (await paymentView(id)).body : null,
  );

describe('PhonePe webhooks', () => {
  it('20 identical webhooks at once complete the payment once and start one payout', async () => {
    const { id, merchantOrderId } = await newPayment();
    await setFaults({ merchantOrderId, dropWebhooks: 1 });
    await phonepe(`/_sandbox/orders/${merchantOrderId}/complete`, { method: 'POST' });
    const body = JSON.stringify({
      event: 'checkout.order.completed',
      payload: { merchantOrderId, state: 'COMPLETED', amount: 1_500_000, unknownField: { tolerated: true } },
    });
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        stack.api('/api/webhooks/phonepe/', { method: 'POST', headers: webhookHeaders(), body }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    await completedView(id);
    const payouts = new DynamoPayoutRepository(stack.documentClient, stack.tables.payouts);
    const payout = await eventually(() => payouts.getByPaymentId(id));
    expect(payout.paymentId).toBe(id);
    await logged(stack, { message: 'Payment completed', payment_id: id });
    await logged(stack, { message: 'Owner payout initiated', payment_id: id });
    await new Promise((r) => setTimeout(r, 500));
    expect(
      stack.logs.filter((l) => l.entry.message === 'Payment completed' && l.entry.payment_id === id),
    ).toHaveLength(1);
    expect(
      stack.logs.filter((l) => l.entry.message === 'Owner payout initiated' && l.entry.payment_id === id),
    ).toHaveLength(1);
  });

  it('a late "failed" never undoes "completed"', async () => {
    const { id, merchantOrderId } = await newPayment();
    await phonepe(`/_sandbox/orders/${merchantOrderId}/complete`, { method: 'POST' });
    await completedView(id);
    const late = JSON.stringify({
      event: 'checkout.order.failed',
      payload: { merchantOrderId, state: 'FAILED' },
    });
    expect(
      (await stack.api('/api/webhooks/phonepe/', { method: 'POST', headers: webhookHeaders(), body: late }))
        .status,
    ).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    expect((await paymentView(id)).body.status).toBe('completed');
  });

  it('a failed payment stays failed and frees the period for a new payment', async () => {
    const { id, merchantOrderId, period: p } = await newPayment();
    await phonepe(`/_sandbox/orders/${merchantOrderId}/fail`, { method: 'POST' });
    await eventually(async () => ((await paymentView(id)).body.status === 'failed' ? true : null));
    const retry = await stack.api('/api/payments/', {
      method: 'POST',
      token: tokens.tenant,
      json: { unit_id: DEMO.unitId, period: p },
    });
    expect(retry.status).toBe(201);
    expect(retry.body.id).not.toBe(id);
  });

  it('acknowledges an authentic event for an unknown order and logs it, without retrying forever', async () => {
    const merchantOrderId = `RENT_${newId()}`;
    const body = JSON.stringify({
      event: 'checkout.order.completed',
      payload: { merchantOrderId, state: 'COMPLETED' },
    });
    expect(
      (await stack.api('/api/webhooks/phonepe/', { method: 'POST', headers: webhookHeaders(), body })).status,
    ).toBe(200);
    await logged(stack, {
      message: 'PhonePe event for an unknown order',
      merchant_order_id: merchantOrderId,
    });
  });

  it('refuses a body over 1 MB with 413 and writes nothing', async () => {
    const before = await stack.countItems('payments');
    const huge = JSON.stringify({
      event: 'checkout.order.completed',
      payload: { merchantOrderId: 'RENT_X', state: 'COMPLETED', pad: 'x'.repeat(1_100_000) },
    });
    const r = await stack.api('/api/webhooks/phonepe/', {
      method: 'POST',
      headers: webhookHeaders(),
      body: huge,
    });
    expect(r.status).toBe(413);
    expect(await stack.countItems('payments')).toBe(before);
  });

  it.each([
    ['state', { state: 'COMPLETED'.repeat(500) }],
    ['merchantOrderId', { merchantOrderId: `RENT_${'X'.repeat(3000)}` }],
    ['event', { event: `checkout.order.${'x'.repeat(3000)}` }],
    ['merchantRefundId', { event: 'pg.refund.completed', merchantRefundId: 'R'.repeat(3000) }],
  ])('answers 400 to an oversized %s and writes nothing', async (field, over) => {
    const { merchantOrderId } = await newPayment();
    const { event = 'checkout.order.completed', ...payload } = over as Record<string, string>;
    const refund = event.startsWith('pg.refund.') ? { originalMerchantOrderId: merchantOrderId } : {};
    const before = await stack.countItems('payments');
    const r = await stack.api('/api/webhooks/phonepe/', {
      method: 'POST',
      headers: webhookHeaders(),
      body: JSON.stringify({
        event,
        payload: { merchantOrderId, state: 'COMPLETED', ...refund, ...payload },
      }),
    });
    expect(r.status).toBe(400);
    expect(String(r.body.detail)).toContain(field === 'event' ? 'event' : `payload.${field}`);
    expect(await stack.countItems('payments')).toBe(before);
  });

  it('a PhonePe status outage fails the stream confirmation, for the event source to retry; once PhonePe answers, the retry completes the payment once', async () => {
    const { id, merchantOrderId } = await newPayment();
    // The order is paid at PhonePe without its own webhook: the confirmation below is the stream's only one.
    await setFaults({ merchantOrderId, dropWebhooks: 1, statusErrors: 1000 });
    await phonepe(`/_sandbox/orders/${merchantOrderId}/complete`, { method: 'POST' });
    // What the event source hands the confirm function for a recorded webhook (the same record every retry).
    const record = {
      eventID: '1',
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      dynamodb: {
        SequenceNumber: '100000000000000000001',
        NewImage: marshall({
          pk: `PHONEPE_EVENT#${merchantOrderId}#ORDER#COMPLETED`,
          sk: 'EVENT',
          entity: 'phonepe_event',
          kind: 'order',
          event: 'checkout.order.completed',
          merchantOrderId,
          state: 'COMPLETED',
          amount: 1_500_000,
        }),
      },
    };
    const confirm = stack.functions.confirmPayments;
    // Scoped to this order, the errors meet every status check of it (the reconciler's too) during the outage.
    // Its only record failing, the invocation fails as a whole: the event source retries the batch.
    await expect(confirm.invoke({ Records: [record] })).rejects.toThrow('All records failed processing');
    expect((await paymentView(id)).body.status).toBe('pending');
    await setFaults({ merchantOrderId, statusErrors: 0 });
    expect(await confirm.invoke({ Records: [record] })).toEqual({ batchItemFailures: [] });
    await completedView(id);
    await logged(stack, { message: 'Payment completed', payment_id: id });
    await new Promise((r) => setTimeout(r, 300));
    expect(
      stack.logs.filter((l) => l.entry.message === 'Payment completed' && l.entry.payment_id === id),
    ).toHaveLength(1);
  });

  it('records a refund on the payment', async () => {
    const { id, merchantOrderId } = await newPayment();
    await phonepe(`/_sandbox/orders/${merchantOrderId}/complete`, { method: 'POST' });
    await completedView(id);
    await phonepe(`/_sandbox/orders/${merchantOrderId}/refund`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ state: 'COMPLETED', merchantRefundId: 'REF_1' }),
    });
    const view = await eventually(async () => {
      const v = (await paymentView(id)).body as {
        refunds?: { merchant_refund_id: string; state: string }[];
        flags?: string[];
      };
      return v.refunds?.length ? v : null;
    });
    expect(view.refunds).toEqual([
      expect.objectContaining({ merchant_refund_id: 'REF_1', state: 'COMPLETED' }),
    ]);
    expect(view.flags).toContain('refunded');
  });
});

describe('reconciliation', () => {
  it('completes a payment whose webhook never came, by polling the order-status API', async () => {
    const { id, merchantOrderId } = await newPayment();
    await setFaults({ merchantOrderId, dropWebhooks: 1 });
    await phonepe(`/_sandbox/orders/${merchantOrderId}/complete`, { method: 'POST' });
    const webhooks = (await (await phonepe('/_sandbox/webhooks')).json()) as {
      webhooks: { merchantOrderId: string; error?: string }[];
    };
    expect(
      webhooks.webhooks.filter((w) => w.merchantOrderId === merchantOrderId).map((w) => w.error),
    ).toEqual(['dropped (fault)']);
    await completedView(id);
    await logged(stack, { message: 'Payment completed', payment_id: id, source: 'reconciler' });
  });

  it('marks expired an order PhonePe still calls PENDING well after its expiry', async () => {
    const payments = new DynamoPaymentRepository(stack.documentClient, stack.tables.payments);
    const { id, merchantOrderId } = await newPayment();
    const stored = (await payments.get(id))!;
    // The sandbox fails an unpaid order at its expiry; PhonePe may keep one PENDING (a bank that never answers).
    const pendingForever = async (): Promise<PhonePeOrderStatus> => ({
      state: 'PENDING',
      amount: stored.amountPaise,
      merchantOrderId,
    });
    const later = new Date(Date.parse(stored.orderExpiresAt!) + 3_600_000);
    const report = await reconcilePayments(
      { ...reconcilerRepositories(), phonepe: { getOrderStatus: pendingForever }, now: () => later },
      // Only the pending pass: no webhook event is older than this.
      { ...DEFAULT_RECONCILE_POLICY, firstCheckAfterSeconds: 0, eventGraceSeconds: 100 * 3600 },
    );
    expect(report.expired).toBeGreaterThanOrEqual(1);
    expect((await payments.get(id))!.status).toBe('expired');
  });
});

describe('a completed payment whose stream record was lost', () => {
  it('gets its payout from the reconciler, once, and the payment records it', async () => {
    const payments = new DynamoPaymentRepository(stack.documentClient, stack.tables.payments);
    const id = await paymentCompletedOutsideTheStream(stack, DEMO.ownerId, '2030-06');
    const payouts = new DynamoPayoutRepository(stack.documentClient, stack.tables.payouts);
    const payout = await eventually(() => payouts.getByPaymentId(id));
    await eventually(async () => ((await payments.get(id))?.payoutId === payout.id ? true : null));
    await logged(stack, {
      message: 'Payout started by the reconciler (stream record missing)',
      payment_id: id,
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(
      stack.logs.filter((l) => l.entry.message === 'Owner payout initiated' && l.entry.payment_id === id),
    ).toHaveLength(1);
  });
});

describe('GET /api/payments/{id}/', () => {
  it('shows a payment to its tenant, the unit owner and admins; anyone else gets 404', async () => {
    const { id } = await newPayment();
    expect((await paymentView(id, tokens.tenant)).status).toBe(200);
    expect((await paymentView(id, tokens.owner)).status).toBe(200);
    expect((await paymentView(id, tokens.admin)).status).toBe(200);
    const otherTenant = await stack.issuer.issue({ role: 'tenant', sub: 'x', tenantId: newId() });
    const otherOwner = await stack.issuer.issue({ role: 'owner', sub: 'y', ownerId: newId() });
    expect((await paymentView(id, otherTenant)).status).toBe(404);
    expect((await paymentView(id, otherOwner)).status).toBe(404);
  });
});

// What the flows below share: the repositories, PhonePe's own API (to create an order as a dying create attempt
// did), and a view of the payments and payouts of one period.
const paymentsRepo = () => new DynamoPaymentRepository(stack.documentClient, stack.tables.payments);
const payoutsRepo = () => new DynamoPayoutRepository(stack.documentClient, stack.tables.payouts);
const phonePeApi = () =>
  new PhonePeClient({
    oauthBaseUrl: stack.urls.phonepe,
    pgBaseUrl: stack.urls.phonepe,
    clientId: stack.credentials.phonepe.clientId,
    clientSecret: stack.credentials.phonepe.clientSecret,
    clientVersion: stack.credentials.phonepe.clientVersion,
    timeoutMs: 5000,
  });
const completeAtPhonePe = (merchantOrderId: string, amount?: number) =>
  phonepe(`/_sandbox/orders/${merchantOrderId}/complete`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(amount === undefined ? {} : { amount }),
  });
const stored = async (id: string) => (await paymentsRepo().get(id))!;
const storedWhen = (id: string, ok: (p: Payment) => boolean, timeoutMs = 30_000) =>
  eventually(
    async () => {
      const p = await paymentsRepo().get(id);
      return p && ok(p) ? p : null;
    },
    { timeoutMs },
  );
const startPayment = (p: string) =>
  stack.api('/api/payments/', {
    method: 'POST',
    token: tokens.tenant,
    json: { unit_id: DEMO.unitId, period: p },
  });

/** A pending payment written as a create attempt leaves it after claiming the period (no checkout URL yet). */
async function claimedWithoutCheckout(opts: { period: string; createdAt: Date; unitId?: string }) {
  const payment: Payment = {
    ...pendingPayment({
      id: newId(),
      tenantId: DEMO.tenantId,
      unitId: opts.unitId ?? DEMO.unitId,
      propertyId: DEMO.propertyId,
      ownerId: DEMO.ownerId,
      period: opts.period,
      amountPaise: DEMO.rentPaise,
      now: opts.createdAt.toISOString(),
    }),
    orderExpiresAt: new Date(opts.createdAt.getTime() + 1_200_000).toISOString(),
  };
  expect((await paymentsRepo().create(payment)).created).toBe(true);
  return payment;
}

/** As the reconciler leaves a payment PhonePe kept PENDING past its expiry. */
async function expireOnOurSide(id: string) {
  const p = await stored(id);
  await paymentsRepo().save({ ...p, status: 'expired', updatedAt: new Date().toISOString() }, p.version);
}

/** Waits for `count` reconciler runs that started after `sinceMs` and went through every pending payment. */
const reconcilerRunsSince = (sinceMs: number, count: number) =>
  eventually(async () => {
    const runs = stack.logs.filter(
      (l) =>
        l.entry.message === 'Payment reconciliation run' &&
        l.entry.pendingPassComplete === true &&
        Date.parse(String(l.entry.timestamp)) > sinceMs,
    );
    return runs.length >= count ? runs : null;
  });

describe('one payout per unit and period', () => {
  it('a late COMPLETED for an expired payment, after the tenant paid again, completes it as a duplicate: no second payout, an ERROR, listed for a refund', async () => {
    const first = await newPayment();
    await expireOnOurSide(first.id);
    const again = await startPayment(first.period);
    expect(again.status).toBe(201);
    const second = { id: String(again.body.id), merchantOrderId: String(again.body.merchant_order_id) };
    await completeAtPhonePe(second.merchantOrderId);
    await completedView(second.id);
    const paid = await eventually(() => payoutsRepo().getByPaymentId(second.id));

    // The first order completes after all (the bank settled it late).
    await completeAtPhonePe(first.merchantOrderId);
    const late = await storedWhen(first.id, (p) => p.status === 'completed');
    expect(late.flags).toEqual(
      expect.arrayContaining(['late_completion_after_expired', 'duplicate_payment']),
    );
    expect(late.duplicateOf).toBe(second.id);
    const alarmLine = await logged(stack, {
      message: 'Duplicate rent payment',
      payment_id: first.id,
      duplicate_of: second.id,
    });
    expect(alarmLine.level).toBe('ERROR');
    // The payout starter saw the completion and made nothing of it.
    await logged(stack, { message: 'No payout for a duplicate rent payment', payment_id: first.id });
    expect(await payoutsRepo().getByPaymentId(first.id)).toBeNull();
    expect((await payoutsRepo().get(paid.id))?.paymentId).toBe(second.id);
    expect((await startPayment(first.period)).status).toBe(409);

    const listed = await stack.api('/api/admin/payments/?flag=duplicate_payment', { token: tokens.admin });
    expect(listed.status).toBe(200);
    expect(
      (listed.body.results as { id: string; duplicate_of: string }[]).find((r) => r.id === first.id),
    ).toMatchObject({ duplicate_of: second.id, status: 'completed' });
    const resolved = await stack.api(`/api/admin/payments/${first.id}/resolve/`, {
      method: 'POST',
      token: tokens.admin,
      json: { flag: 'duplicate_payment', resolution: 'refunded', note: 'PhonePe refund REF-77' },
    });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({
      status: 'completed',
      resolutions: [
        expect.objectContaining({ flag: 'duplicate_payment', resolution: 'refunded', by: DEMO.adminUserId }),
      ],
    });
    const after = await stack.api('/api/admin/payments/?flag=duplicate_payment', { token: tokens.admin });
    expect((after.body.results as { id: string }[]).map((r) => r.id)).not.toContain(first.id);
    // A duplicate is never accepted for a payout.
    const accept = await stack.api(`/api/admin/payments/${first.id}/resolve/`, {
      method: 'POST',
      token: tokens.admin,
      json: { flag: 'duplicate_payment', resolution: 'accepted', note: 'x' },
    });
    expect(accept.status).toBe(400);
  });

  it('a late COMPLETED whose confirmation fails through every stream retry is not lost: the reconciler confirms it', async () => {
    const { id, merchantOrderId } = await newPayment();
    await expireOnOurSide(id);
    // PhonePe's status API fails for this order until told otherwise: every stream retry fails.
    await setFaults({ merchantOrderId, statusErrors: 1000 });
    await completeAtPhonePe(merchantOrderId);
    const deadLetter = await eventually(async () => {
      const dir = join(dataDir, 'dlq');
      const files = (() => {
        try {
          return readdirSync(dir);
        } catch {
          return [];
        }
      })();
      return files.some((f) => readFileSync(join(dir, f), 'utf8').includes(merchantOrderId));
    });
    expect(deadLetter).toBe(true);
    expect((await stored(id)).status).toBe('expired');
    await setFaults({ merchantOrderId, statusErrors: 0 });
    const done = await storedWhen(id, (p) => p.status === 'completed');
    expect(done.flags).toContain('late_completion_after_expired');
    await logged(stack, {
      message: 'Payment completed',
      payment_id: id,
      source: 'reconciler:checkout.order.completed',
    });
    await logged(stack, {
      message: 'PhonePe event processed by the reconciler (stream record missing)',
      merchant_order_id: merchantOrderId,
    });
    // Nobody else paid the period: this payment is its one payout.
    await eventually(() => payoutsRepo().getByPaymentId(id));
  });

  it('the payout guard refuses a second payout of a unit and period, and flags the payment that asked', async () => {
    const unitId = newId();
    const rent = '2032-03';
    // A payout already pays this unit and period, for a payment the payments table does not link to it.
    const paidPaymentId = newId();
    const now = new Date().toISOString();
    const existing: OwnerPayout = {
      id: newId(),
      paymentId: paidPaymentId,
      ownerId: DEMO.ownerId,
      ownerName: 'Asha Verma',
      unitId,
      period: rent,
      propertyId: DEMO.propertyId,
      amountPaise: DEMO.rentPaise,
      status: 'completed',
      beneficiaryType: 'bank',
      cashfreeTransferId: null,
      cashfreeUtr: 'UTR1',
      retryCount: 0,
      attempt: 1,
      run: 1,
      initiatedAt: now,
      completedAt: now,
      updatedAt: now,
      errorMessage: '',
      needsAttention: false,
      attempts: [],
      version: 1,
    };
    expect(await payoutsRepo().createForPayment(existing)).toMatchObject({ created: true });
    expect(await payoutsRepo().createForPayment({ ...existing, id: newId() })).toMatchObject({
      created: false,
      payout: { id: existing.id },
    });
    const other = await payoutsRepo().createForPayment({ ...existing, id: newId(), paymentId: newId() });
    expect(other).toEqual({
      created: false,
      payout: null,
      periodPaidBy: { paymentId: paidPaymentId, payoutId: existing.id },
    });

    // A completed payment of that period, which only the reconciler's safety net sees (no stream MODIFY).
    const paymentId = newId();
    await paymentsRepo().create({
      ...pendingPayment({
        id: paymentId,
        tenantId: DEMO.tenantId,
        unitId,
        propertyId: DEMO.propertyId,
        ownerId: DEMO.ownerId,
        period: rent,
        amountPaise: DEMO.rentPaise,
        now,
      }),
      status: 'completed',
      completedAt: now,
    });
    const flagged = await storedWhen(paymentId, (p) => p.flags.includes('duplicate_payment'));
    expect(flagged.duplicateOf).toBe(paidPaymentId);
    await logged(stack, { message: 'Duplicate rent payment', payment_id: paymentId, source: 'payout-guard' });
    expect(await payoutsRepo().getByPaymentId(paymentId)).toBeNull();
  });
});

describe('payments nobody can pay', () => {
  it('a retry after a create attempt died before saving its checkout URL gets a new payment at once; a late COMPLETED of the lost order still pays the period once', async () => {
    const rent = nextPeriod();
    // The attempt claimed the period and PhonePe created its order, then the function died.
    const lost = await claimedWithoutCheckout({ period: rent, createdAt: new Date(Date.now() - 30_000) });
    await phonePeApi().createPayment({
      merchantOrderId: lost.merchantOrderId,
      amountPaise: lost.amountPaise,
      redirectUrl: 'http://127.0.0.1/return',
      expireAfterSeconds: 1200,
      message: `Rent ${rent}`,
      udf: {},
    });
    const retry = await startPayment(rent);
    expect(retry.status).toBe(201);
    expect(retry.body.id).not.toBe(lost.id);
    expect(retry.body.checkout_url).toEqual(expect.stringContaining('/checkout/pay/'));
    const givenUp = await stored(lost.id);
    expect(givenUp.status).toBe('failed');
    expect(givenUp.flags).toContain('checkout_lost');
    // A second retry resumes the new payment.
    expect((await startPayment(rent)).body.id).toBe(retry.body.id);

    // Nobody had the lost order's URL, but suppose it is paid anyway: it is a late completion, and it pays
    // the period because the new payment has not been paid.
    await completeAtPhonePe(lost.merchantOrderId);
    const late = await storedWhen(lost.id, (p) => p.status === 'completed');
    expect(late.flags).toContain('late_completion_after_failed');
    expect(late.flags).not.toContain('duplicate_payment');
    await eventually(() => payoutsRepo().getByPaymentId(lost.id));
    expect((await startPayment(rent)).status).toBe(409);
    // Paying the new payment too makes that one the duplicate.
    await completeAtPhonePe(String(retry.body.merchant_order_id));
    const dup = await storedWhen(String(retry.body.id), (p) => p.status === 'completed');
    expect(dup.flags).toContain('duplicate_payment');
    expect(dup.duplicateOf).toBe(lost.id);
    await logged(stack, { message: 'No payout for a duplicate rent payment', payment_id: dup.id });
    expect(await payoutsRepo().getByPaymentId(dup.id)).toBeNull();
  });

  it('a create still running for the period is a short 409 with Retry-After', async () => {
    const rent = nextPeriod();
    await claimedWithoutCheckout({ period: rent, createdAt: new Date() });
    const res = await fetch(`${stack.urls.http}/api/payments/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.tenant}` },
      body: JSON.stringify({ unit_id: DEMO.unitId, period: rent }),
    });
    expect(res.status).toBe(409);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(15);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/being created/);
  });

  it('the reconciler expires a payment whose order PhonePe never heard of, once the order lifetime is over', async () => {
    const never = await claimedWithoutCheckout({
      period: '2033-01',
      unitId: newId(),
      createdAt: new Date(Date.now() - 2 * 3_600_000),
    });
    const expired = await storedWhen(never.id, (p) => p.status === 'expired');
    expect(expired.flags).toContain('phonepe_order_not_found');
    await logged(stack, {
      message: 'Payment expired: PhonePe does not know its order',
      payment_id: never.id,
    });
    // Inside its lifetime, the same answer leaves a payment pending: its create may still be running.
    const young = await claimedWithoutCheckout({ period: '2033-01', unitId: newId(), createdAt: new Date() });
    await reconcilerRunsSince(Date.now(), 2);
    expect((await stored(young.id)).status).toBe('pending');
    const current = await stored(young.id);
    await paymentsRepo().save({ ...current, status: 'failed' }, current.version);
  });

  it('the reconciler pages through every pending payment, so a backlog stuck ahead cannot starve a new one', async () => {
    const started = Date.now();
    // 120 pending payments PhonePe cannot settle (no order yet, inside their lifetime), all older than the next
    // one and newer than any before them, so wherever the pass stands it must get through them to reach it.
    const stuck: Payment[] = [];
    const createdAt = new Date(Date.now() - 1000);
    for (let i = 0; i < 120; i += 1)
      stuck.push(await claimedWithoutCheckout({ period: '2034-01', unitId: newId(), createdAt }));
    const { id, merchantOrderId } = await newPayment();
    await setFaults({ merchantOrderId, dropWebhooks: 1 });
    await completeAtPhonePe(merchantOrderId);
    // 25 checks a run: the new payment is reached after five runs or so, not never.
    await storedWhen(id, (p) => p.status === 'completed', 60_000);
    await logged(stack, { message: 'Payment completed', payment_id: id, source: 'reconciler' });
    // Bounded work per run, and the backlog paged through rather than skipped.
    // (A run's summary line can arrive after the payment it completed is visible: wait for the lines.)
    const runs = await eventually(async () => {
      const since = stack.logs.filter(
        (l) =>
          l.entry.message === 'Payment reconciliation run' && Date.parse(String(l.entry.timestamp)) > started,
      );
      return since.reduce((sum, l) => sum + Number(l.entry.checked), 0) > stuck.length ? since : null;
    });
    expect(Math.max(...runs.map((l) => Number(l.entry.checked)))).toBe(25);
    for (const p of stuck) {
      const current = await stored(p.id);
      await paymentsRepo().save({ ...current, status: 'failed' }, current.version);
    }
  }, 90_000);
});

describe('amount mismatches', () => {
  async function mismatched(amount: number) {
    const payment = await newPayment();
    await completeAtPhonePe(payment.merchantOrderId, amount);
    await storedWhen(payment.id, (p) => p.flags.includes('amount_mismatch'));
    return payment;
  }
  const resolve = (id: string, json: Record<string, unknown>, token = tokens.admin) =>
    stack.api(`/api/admin/payments/${id}/resolve/`, { method: 'POST', token, json });

  it('a payment PhonePe completed for less than the rent waits for an operator, holding its period; refunded, it frees the period', async () => {
    const short = await mismatched(1_400_000);
    const held = await stored(short.id);
    expect(held.status).toBe('pending');
    expect(held.phonepeAmountPaise).toBe(1_400_000);
    // Held for the operator, not polled: it leaves the pending payments the reconciler reads.
    const pending = await paymentsRepo().pagePending(null, 1000);
    expect(pending.entries.map((e) => e.payment.id)).not.toContain(short.id);
    const busy = await startPayment(short.period);
    expect(busy.status).toBe(409);
    expect(String(busy.body.detail)).toMatch(/being reviewed/);

    const listed = await stack.api('/api/admin/payments/?flag=amount_mismatch', { token: tokens.admin });
    expect((listed.body.results as { id: string }[]).find((r) => r.id === short.id)).toMatchObject({
      amount: '15000.00',
      phonepe_amount: '14000.00',
      flags: ['amount_mismatch'],
    });
    const accept = await resolve(short.id, {
      flag: 'amount_mismatch',
      resolution: 'accepted',
      note: 'checked',
    });
    expect(accept.status).toBe(409);
    expect(String(accept.body.detail)).toMatch(/less than the rent/);

    const refunded = await resolve(short.id, {
      flag: 'amount_mismatch',
      resolution: 'refunded',
      note: 'PhonePe refund REF-9',
    });
    expect(refunded.status).toBe(200);
    expect(refunded.body.status).toBe('failed');
    expect(
      (await resolve(short.id, { flag: 'amount_mismatch', resolution: 'refunded', note: 'x' })).status,
    ).toBe(409);
    const fresh = await startPayment(short.period);
    expect(fresh.status).toBe(201);
    expect(fresh.body.id).not.toBe(short.id);
  });

  it('a mismatch where PhonePe collected the rent in full, accepted by an operator, completes and pays out the rent', async () => {
    const over = await mismatched(1_600_000);
    const accepted = await resolve(over.id, {
      flag: 'amount_mismatch',
      resolution: 'accepted',
      note: 'PhonePe dashboard shows 16000.00 collected; excess refunded separately',
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body.status).toBe('completed');
    const payout = await eventually(() => payoutsRepo().getByPaymentId(over.id));
    expect(payout.amountPaise).toBe(1_500_000);
    await logged(stack, {
      message: 'Payment completed',
      payment_id: over.id,
      source: `operator:${DEMO.adminUserId}`,
    });
  });

  it('lists flagged payments oldest first, page by page, for admins only', async () => {
    const flagged = [await mismatched(1_000_000), await mismatched(1_100_000), await mismatched(1_200_000)];
    const ids: string[] = [];
    let url: string | null = `${stack.urls.http}/api/admin/payments/?flag=amount_mismatch&page_size=2`;
    let pages = 0;
    while (url) {
      const res = await fetch(url, { headers: { authorization: `Bearer ${tokens.admin}` } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { next: string | null; results: { id: string }[] };
      expect(body.results.length).toBeLessThanOrEqual(2);
      ids.push(...body.results.map((r) => r.id));
      url = body.next;
      pages += 1;
    }
    expect(pages).toBeGreaterThanOrEqual(2);
    const mine = ids.filter((i) => flagged.some((f) => f.id === i));
    expect(mine).toEqual(flagged.map((f) => f.id));
    expect(new Set(ids).size).toBe(ids.length);

    for (const token of [tokens.tenant, tokens.owner])
      expect((await stack.api('/api/admin/payments/?flag=amount_mismatch', { token })).status).toBe(403);
    expect(
      (
        await resolve(
          flagged[0]!.id,
          { flag: 'amount_mismatch', resolution: 'refunded', note: 'x' },
          tokens.owner,
        )
      ).status,
    ).toBe(403);
    for (const qs of [
      '',
      '?flag=refunded',
      '?flag=amount_mismatch&cursor=eyJwayI6IngifQ',
      '?flag=amount_mismatch&page_size=0',
    ])
      expect((await stack.api(`/api/admin/payments/${qs}`, { token: tokens.admin })).status).toBe(400);
    expect(
      (await resolve(newId(), { flag: 'amount_mismatch', resolution: 'refunded', note: 'x' })).status,
    ).toBe(404);
    expect(
      (await resolve(flagged[0]!.id, { flag: 'amount_mismatch', resolution: 'kept', note: 'x' })).status,
    ).toBe(400);
    for (const f of flagged)
      expect(
        (await resolve(f.id, { flag: 'amount_mismatch', resolution: 'refunded', note: 'test' })).status,
      ).toBe(200);
  });
});

describe('a payment stored with its order expiry under the old name', () => {
  it('reads the ISO string in expiresAt as orderExpiresAt, and its next save writes the new name only', async () => {
    const payments = new DynamoPaymentRepository(stack.documentClient, stack.tables.payments);
    const Key = keys.payment((await newPayment()).id);
    const item = async () =>
      (await stack.documentClient.send(new GetCommand({ TableName: stack.tables.payments, Key }))).Item!;
    const current = await item();
    const id = String(current.id);
    const before = (await paymentView(id)).body.expires_at;
    expect(current.orderExpiresAt).toEqual(expect.any(String));
    // The item as it was written before the rename.
    const { orderExpiresAt, ...older } = current;
    await stack.documentClient.send(
      new PutCommand({ TableName: stack.tables.payments, Item: { ...older, expiresAt: orderExpiresAt } }),
    );
    const read = (await payments.get(id))!;
    expect(read.orderExpiresAt).toBe(orderExpiresAt);
    expect(read).not.toHaveProperty('expiresAt');
    expect((await paymentView(id)).body.expires_at).toBe(before);
    await payments.save({ ...read, updatedAt: new Date().toISOString() }, read.version);
    const saved = await item();
    expect(saved.orderExpiresAt).toBe(orderExpiresAt);
    expect(saved).not.toHaveProperty('expiresAt');
  });
});
