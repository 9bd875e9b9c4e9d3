import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * PhonePe PG v2 webhook: `Authorization: <lowercase hex SHA-256 of "username:password">`, no prefix
 * (PhonePe's own SDKs compare it this way). The body is not signed, so the event is only a hint.
 */
export function expectedAuthorization(username: string, password: string): string {
  return createHash('sha256').update(`${username}:${password}`, 'utf8').digest('hex');
}

/** Constant-time comparison, so the header cannot be guessed byte by byte from response times. */
export function isAuthorized(header: string | undefined, username: string, password: string): boolean {
  if (!header) return false;
  const expected = Buffer.from(expectedAuthorization(username, password), 'utf8');
  const given = Buffer.from(header.trim().toLowerCase(), 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

// Tolerant of unknown fields (PhonePe asks for that), strict on the fields this system uses.
const orderPayload = z.looseObject({
  merchantOrderId: z.string().min(1).max(63),
  orderId: z.string().nullish(),
  state: z.string().min(1),
  amount: z.number().int().nonnegative().nullish(),
});

const refundPayload = z.looseObject({
  merchantRefundId: z.string().min(1),
  originalMerchantOrderId: z.string().min(1).max(63),
  refundId: z.string().nullish(),
  state: z.string().min(1),
  amount: z.number().int().nonnegative().nullish(),
});

export const phonePeWebhookSchema = z.looseObject({
  event: z.string().min(1),
  payload: z.looseObject({ state: z.string().min(1) }),
});

export type PhonePeEvent =
  | {
      kind: 'order';
      event: string;
      merchantOrderId: string;
      state: string;
      amount: number | null;
      orderId: string | null;
    }
  | {
      kind: 'refund';
      event: string;
      merchantOrderId: string;
      merchantRefundId: string;
      state: string;
      amount: number | null;
    };

export class InvalidWebhookError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'InvalidWebhookError';
  }
}

/** Reads an authentic webhook body into the event this system acts on; decides on payload.state, not the event name. */
export function readPhonePeEvent(body: unknown): PhonePeEvent {
  const envelope = phonePeWebhookSchema.safeParse(body);
  if (!envelope.success) throw new InvalidWebhookError('Webhook body must have "event" and "payload.state"');
  const { event, payload } = envelope.data;
  if (event.startsWith('pg.refund.') || 'merchantRefundId' in payload) {
    const refund = refundPayload.safeParse(payload);
    if (!refund.success)
      throw new InvalidWebhookError(
        'Refund webhook needs payload.merchantRefundId and payload.originalMerchantOrderId',
      );
    return {
      kind: 'refund',
      event,
      merchantOrderId: refund.data.originalMerchantOrderId,
      merchantRefundId: refund.data.merchantRefundId,
      state: refund.data.state.toUpperCase(),
      amount: refund.data.amount ?? null,
    };
  }
  const order = orderPayload.safeParse(payload);
  if (!order.success)
    throw new InvalidWebhookError('Order webhook needs payload.merchantOrderId (at most 63 characters)');
  return {
    kind: 'order',
    event,
    merchantOrderId: order.data.merchantOrderId,
    state: order.data.state.toUpperCase(),
    amount: order.data.amount ?? null,
    orderId: order.data.orderId ?? null,
  };
}
