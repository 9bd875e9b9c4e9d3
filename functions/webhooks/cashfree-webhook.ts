import { cashfreeSecret, payoutPolicy, tableNames } from '../../shared/config/app-config';
import { BadRequestError, UnauthorizedError } from '../../shared/errors';
import { rawBody } from '../../shared/http/middleware';
import { json } from '../../shared/http/responses';
import { webhookHandler } from '../../shared/http/webhook-handler';
import { logger } from '../../shared/logger';
import { applyTransferStatus } from '../../shared/payouts/apply-transfer-status';
import {
  payoutIdFromTransferId,
  transferFromWebhook,
  verifyCashfreeSignature,
} from '../../shared/payouts/cashfree-webhook';
import { documentClient } from '../../shared/repositories/dynamodb';
import { DynamoPayoutRepository } from '../../shared/repositories/payout-repository';

const deps = {
  payouts: new DynamoPayoutRepository(documentClient, tableNames.payouts()),
  policy: payoutPolicy(),
  now: () => new Date(),
};

/**
 * POST /api/webhooks/cashfree/ (public, verified here). Primary course: verify the signature and its age, read
 * the transfer, apply its status through the same transition function as the workflow's poll (the fast path).
 * Duplicates change nothing: the transition function writes only when something moves forward.
 */
export const handler = webhookHandler('cashfree', async (event) => {
  const secret = await cashfreeSecret();
  const text = rawBody(event);
  const check = verifyCashfreeSignature(
    { signature: event.headers?.['x-webhook-signature'], timestamp: event.headers?.['x-webhook-timestamp'] },
    text,
    secret.clientSecret,
    Date.now(),
  );
  if (!check.ok) {
    logger.warn('Cashfree webhook rejected', { reason: check.reason });
    throw new UnauthorizedError('Invalid webhook signature.');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new BadRequestError('Malformed JSON in webhook body.');
  }
  const transfer = transferFromWebhook(body);
  if (!transfer)
    throw new BadRequestError('Webhook data has no transfer (transfer_id and status are required).');
  const payoutId = payoutIdFromTransferId(transfer.transfer_id);
  if (!payoutId || !(await deps.payouts.get(payoutId))) {
    // Authentic but not ours (another integration on the same account): acknowledge so Cashfree stops retrying.
    logger.warn('Cashfree webhook for an unknown transfer', {
      transfer_id: transfer.transfer_id,
      status: transfer.status,
    });
    return json(200, { received: true });
  }
  const payout = await applyTransferStatus(deps, payoutId, transfer);
  logger.info('Cashfree webhook applied', {
    payout_id: payoutId,
    transfer_id: transfer.transfer_id,
    cashfree_status: transfer.status,
    status_code: transfer.status_code ?? null,
    payout_status: payout.status,
  });
  return json(200, { received: true });
});
