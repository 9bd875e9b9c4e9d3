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

// Tolerant of unknown fields (PhonePe asks for that), strict on the fields this system uses. Every field kept
// becomes part of a DynamoDB key or of the recorded event item, so each is bounded here: an oversized value is a
// 400 that writes nothing, never a key DynamoDB refuses (a 500).
// PhonePe's ids: at most 63 characters, letters, digits, `_` and `-` (its merchantOrderId rule).
const phonePeId = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[A-Za-z0-9_-]+$/, 'at most 63 letters, digits, _ and -');
// PENDING, COMPLETED, FAILED, CONFIRMED...: a short word, whatever new state PhonePe adds.
const phonePeState = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[A-Za-z_]+$/, 'a PhonePe state word');
// checkout.order.completed, pg.refund.accepted...
const phonePeEventName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, 'a PhonePe event name');
// PhonePe's own order and refund ids (OMO..., OMR...): stored on the event, never trusted for anything.
const providerRef = z.string().max(100).nullish();
const paise = z.number().int().nonnegative().nullish();

const orderPayload = z.looseObject({
  merchantOrderId: phonePeId,
  orderId: providerRef,
  state: phonePeState,
  amount: paise,
});

const refundPayload = z.looseObject({
  merchantRefundId: phonePeId,
  originalMerchantOrderId: phonePeId,
  refundId: providerRef,
  state: phonePeState,
  amount: paise,
});

export const phonePeWebhookSchema = z.looseObject({
  event: phonePeEventName,
  payload: z.looseObject({ state: phonePeState }),
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

function issuesOf(error: z.ZodError, prefix = ''): string {
  return error.issues
    .map((i) => `${[prefix, ...i.path].filter(Boolean).join('.') || 'body'}: ${i.message}`)
    .join('; ');
}

/** Reads an authentic webhook body into the event this system acts on; decides on payload.state, not the event name. */
export function readPhonePeEvent(body: unknown): PhonePeEvent {
  const envelope = phonePeWebhookSchema.safeParse(body);
  if (!envelope.success)
    throw new InvalidWebhookError(
      `Webhook body must have "event" and "payload.state": ${issuesOf(envelope.error)}`,
    );
  const { event, payload } = envelope.data;
  if (event.startsWith('pg.refund.') || 'merchantRefundId' in payload) {
    const refund = refundPayload.safeParse(payload);
    if (!refund.success)
      throw new InvalidWebhookError(
        `Refund webhook needs payload.merchantRefundId and payload.originalMerchantOrderId: ${issuesOf(refund.error, 'payload')}`,
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
    throw new InvalidWebhookError(
      `Order webhook needs payload.merchantOrderId: ${issuesOf(order.error, 'payload')}`,
    );
  return {
    kind: 'order',
    event,
    merchantOrderId: order.data.merchantOrderId,
    state: order.data.state.toUpperCase(),
    amount: order.data.amount ?? null,
    orderId: order.data.orderId ?? null,
  };
}
