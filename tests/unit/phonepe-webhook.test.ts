import { describe, expect, it } from 'vitest';
import { InvalidWebhookError, readPhonePeEvent } from '../../shared/payments/phonepe-webhook';
import { phonePeEventKey } from '../../shared/repositories/phonepe-event-repository';

const order = (payload: Record<string, unknown>, event = 'checkout.order.completed') => ({
  event,
  payload: { merchantOrderId: 'RENT_01J00000000000000000000000', state: 'COMPLETED', ...payload },
});
const refund = (payload: Record<string, unknown>) => ({
  event: 'pg.refund.completed',
  payload: {
    merchantRefundId: 'REF_1',
    originalMerchantOrderId: 'RENT_01J00000000000000000000000',
    state: 'COMPLETED',
    ...payload,
  },
});
const long = (n: number) => 'A'.repeat(n);

describe('PhonePe webhook body', () => {
  it('reads an order event and a refund event, tolerating unknown fields', () => {
    expect(readPhonePeEvent(order({ amount: 1_500_000, orderId: 'OMO1', extra: { x: 1 } }))).toEqual({
      kind: 'order',
      event: 'checkout.order.completed',
      merchantOrderId: 'RENT_01J00000000000000000000000',
      state: 'COMPLETED',
      amount: 1_500_000,
      orderId: 'OMO1',
    });
    expect(readPhonePeEvent(refund({ state: 'accepted', refundId: 'OMR1' }))).toMatchObject({
      kind: 'refund',
      merchantRefundId: 'REF_1',
      state: 'ACCEPTED',
    });
  });

  // Each of these becomes part of the recorded event's key or item: unbounded, DynamoDB refuses the write.
  it.each([
    ['an oversized state', order({ state: long(5000) }), /payload.state/],
    ['a state that is no word', order({ state: 'COMPLETED#X' }), /payload.state/],
    ['an oversized event name', { ...order({}), event: `checkout.${'x'.repeat(5000)}` }, /event/],
    ['an oversized merchantOrderId', order({ merchantOrderId: long(64) }), /merchantOrderId/],
    ['a merchantOrderId PhonePe would refuse', order({ merchantOrderId: 'RENT#1' }), /merchantOrderId/],
    ['an oversized orderId', order({ orderId: long(101) }), /orderId/],
    ['an oversized merchantRefundId', refund({ merchantRefundId: long(5000) }), /merchantRefundId/],
    ['an oversized refundId', refund({ refundId: long(101) }), /refundId/],
    ['an oversized refund state', refund({ state: long(33) }), /payload.state/],
  ])('refuses %s', (_name, body, field) => {
    expect(() => readPhonePeEvent(body)).toThrow(InvalidWebhookError);
    expect(() => readPhonePeEvent(body)).toThrow(field);
  });

  it('keeps the recorded event key well inside DynamoDB limits at the largest accepted values', () => {
    const event = readPhonePeEvent({
      event: `pg.refund.${'x'.repeat(54)}`,
      payload: {
        merchantRefundId: long(63),
        originalMerchantOrderId: long(63),
        state: long(32),
      },
    });
    const key = phonePeEventKey(event);
    // A partition key may be at most 2048 bytes.
    expect(Buffer.byteLength(key.pk, 'utf8')).toBeLessThan(300);
  });
});
