import { phonePeSecret, tableNames } from '../../shared/config/app-config';
import { BadRequestError, UnauthorizedError } from '../../shared/errors';
import { rawBody } from '../../shared/http/middleware';
import { json } from '../../shared/http/responses';
import { webhookHandler } from '../../shared/http/webhook-handler';
import { logger } from '../../shared/logger';
import { InvalidWebhookError, isAuthorized, readPhonePeEvent } from '../../shared/payments/phonepe-webhook';
import { documentClient } from '../../shared/repositories/dynamodb';
import { DynamoPhonePeEventRepository } from '../../shared/repositories/phonepe-event-repository';

const events = new DynamoPhonePeEventRepository(documentClient, tableNames.payments());

/**
 * POST /api/webhooks/phonepe/ (public, verified here). Primary course: authenticate, parse, record the event
 * durably, answer 200. Confirmation with PhonePe's order-status API runs off the table's stream, so the ack
 * stays fast whatever PhonePe's API does. A 5xx only when an authentic event could not be recorded.
 */
export const handler = webhookHandler('phonepe', async (event) => {
  const secret = await phonePeSecret();
  const header = event.headers?.authorization ?? event.headers?.Authorization;
  if (!isAuthorized(header, secret.webhookUsername, secret.webhookPassword)) {
    logger.warn('PhonePe webhook rejected: bad Authorization header', { has_header: header !== undefined });
    throw new UnauthorizedError('Invalid webhook authorization.');
  }
  const text = rawBody(event);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new BadRequestError('Malformed JSON in webhook body.');
  }
  let phonePeEvent;
  try {
    phonePeEvent = readPhonePeEvent(body);
  } catch (error) {
    if (error instanceof InvalidWebhookError) throw new BadRequestError(error.message);
    throw error;
  }
  const outcome = await events.record(phonePeEvent, new Date().toISOString());
  // PhonePe repeats webhooks; the first delivery is worth a line, the repeats only at debug level.
  const fields = {
    merchant_order_id: phonePeEvent.merchantOrderId,
    event: phonePeEvent.event,
    state: phonePeEvent.state,
  };
  if (outcome === 'recorded') logger.info('PhonePe webhook received', fields);
  else logger.debug('PhonePe webhook repeated', fields);
  return json(200, { success: true });
});
