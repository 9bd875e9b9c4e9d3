import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { DEMO, demoTokens } from '../../infra/local/demo';
import type { PhonePeOrderStatus } from '../../shared/clients/phonepe-client';
import { confirmPayment } from '../../shared/payments/confirm-payment';
import { reconcilePendingPayments } from '../../shared/payments/reconcile-payments';
import { expectedAuthorization } from '../../shared/payments/phonepe-webhook';
import { DynamoPaymentRepository } from '../../shared/repositories/payment-repository';
import { keys } from '../../shared/repositories/keys';
import { DynamoPayoutRepository } from '../../shared/repositories/payout-repository';
import { newId } from '../../shared/domain/ids';
import { eventually, logged, startTestStack } from '../support/local-stack';
import { paymentCompletedOutsideTheStream } from '../support/payouts';
import type { TestStack } from '../support/local-stack';

let stack: TestStack;
let tokens: Awaited<ReturnType<typeof demoTokens>>;
let period = 0;

beforeAll(async () => {
  stack = await startTestStack({
    functionEnv: { RECONCILE_FIRST_CHECK_AFTER_SECONDS: '0', RECONCILE_PAYOUT_GRACE_SECONDS: '0' },
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

async function newPayment() {
  period += 1;
  const p = `20${40 + Math.floor(period / 12)}-${String((period % 12) + 1).padStart(2, '0')}`;
  const created = await stack.api('/api/payments/', {
    method: 'POST',
    token: tokens.tenant,
    json: { unit_id: DEMO.unitId, period: p },
  });
  expect(created.status).toBe(201);
  return { id: String(created.body.id), merchantOrderId: String(created.body.merchant_order_id), period: p };
}

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

  it('marks expired an order PhonePe still calls PENDING well after its expiry, and completes nothing on a wrong amount', async () => {
    const payments = new DynamoPaymentRepository(stack.documentClient, stack.tables.payments);
    const { id, merchantOrderId } = await newPayment();
    const stored = (await payments.get(id))!;
    const pendingForever = async (): Promise<PhonePeOrderStatus> => ({
      state: 'PENDING',
      amount: stored.amountPaise,
      merchantOrderId,
    });
    const later = new Date(Date.parse(stored.orderExpiresAt!) + 3_600_000);
    const report = await reconcilePendingPayments(
      { payments, phonepe: { getOrderStatus: pendingForever }, now: () => later },
      { firstCheckAfterSeconds: 0, expiryGraceSeconds: 600, batchSize: 1000 },
    );
    expect(report.expired).toBeGreaterThanOrEqual(1);
    expect((await payments.get(id))!.status).toBe('expired');

    const other = await newPayment();
    const wrongAmount = async (): Promise<PhonePeOrderStatus> => ({
      state: 'COMPLETED',
      amount: 100,
      merchantOrderId: other.merchantOrderId,
    });
    expect(
      await confirmPayment(
        { payments, phonepe: { getOrderStatus: wrongAmount }, now: () => new Date() },
        other.merchantOrderId,
        'test',
      ),
    ).toBe('amount_mismatch');
    const flagged = (await payments.get(other.id))!;
    expect(flagged.status).toBe('pending');
    expect(flagged.flags).toContain('amount_mismatch');
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
