import type { PhonePeEvent } from './phonepe-webhook';
import type { ConfirmOutcome, ConfirmPaymentDeps } from './confirm-payment';
import { confirmPayment } from './confirm-payment';
import { recordRefund } from './record-refund';

/**
 * What a recorded PhonePe webhook event leads to, wherever it is processed from (the stream, or the reconciler
 * for an event whose stream record was given up on): a refund is recorded on its payment; an order event
 * has the payment confirmed with PhonePe's order-status API. Safe to run more than once for an event.
 */
export async function processPhonePeEvent(
  deps: ConfirmPaymentDeps,
  event: PhonePeEvent,
  source: string,
): Promise<ConfirmOutcome | 'recorded' | 'duplicate'> {
  if (event.kind === 'refund') {
    return recordRefund(deps, {
      merchantOrderId: event.merchantOrderId,
      merchantRefundId: event.merchantRefundId,
      state: event.state,
      amount: event.amount,
      event: event.event,
    });
  }
  return confirmPayment(deps, event.merchantOrderId, `${source}:${event.event}`);
}
