import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { cashfreeTransferSchema } from '../clients/cashfree-client';
import type { CashfreeTransfer } from '../clients/cashfree-client';

/**
 * Cashfree Payouts v2 webhooks: `x-webhook-signature = base64(HMAC-SHA256(clientSecret, x-webhook-timestamp +
 * rawBody))` over the raw body. The timestamp must be recent, so a captured webhook cannot be replayed later.
 */
export const MAX_WEBHOOK_AGE_MS = 5 * 60 * 1000;

export function cashfreeSignature(secret: string, timestamp: string, rawBody: string): string {
  return createHmac('sha256', secret)
    .update(timestamp + rawBody)
    .digest('base64');
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export function verifyCashfreeSignature(
  headers: { signature?: string; timestamp?: string },
  rawBody: string,
  secret: string,
  nowMs: number,
): SignatureCheck {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp)
    return { ok: false, reason: 'missing x-webhook-signature or x-webhook-timestamp' };
  if (!/^\d{9,16}$/.test(timestamp)) return { ok: false, reason: 'x-webhook-timestamp is not a number' };
  // Cashfree's samples use epoch milliseconds; accept seconds too rather than reject a legitimate webhook.
  const value = Number(timestamp);
  const ms = value > 1e12 ? value : value * 1000;
  if (Math.abs(nowMs - ms) > MAX_WEBHOOK_AGE_MS) return { ok: false, reason: 'stale x-webhook-timestamp' };
  const expected = Buffer.from(cashfreeSignature(secret, timestamp, rawBody), 'utf8');
  const given = Buffer.from(signature.trim(), 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'signature mismatch' };
  return { ok: true };
}

/** The transfer a webhook reports: v2 puts the transfer object in `data` (some samples nest it in `data.transfer`). */
export function transferFromWebhook(body: unknown): CashfreeTransfer | null {
  const envelope = z.looseObject({ data: z.unknown() }).safeParse(body);
  if (!envelope.success) return null;
  const data = envelope.data.data as Record<string, unknown> | undefined;
  const direct = cashfreeTransferSchema.safeParse(data);
  if (direct.success) return direct.data;
  const nested = cashfreeTransferSchema.safeParse(data?.transfer);
  return nested.success ? nested.data : null;
}

/** `PAYOUT_<payoutId>_<attempt>` -> payoutId; null for a transfer this system did not make. */
export function payoutIdFromTransferId(transferId: string): string | null {
  return /^PAYOUT_([0-9A-HJKMNP-TV-Z]{26})_\d{1,6}$/.exec(transferId)?.[1] ?? null;
}
