import type { Context } from 'aws-lambda';
import { recordWebhook } from '../metrics';
import type { WebhookOutcome, WebhookProvider } from '../metrics';
import { apiHandler } from './api-handler';
import { statusOf } from './middleware';
import type { ApiEvent, ApiResult } from './api-handler';

/** 2xx: accepted; 401/403: the signature or credentials were wrong; other 4xx: a malformed request. */
function outcomeOf(status: number): WebhookOutcome {
  if (status < 400) return 'accepted';
  if (status === 401 || status === 403) return 'rejected';
  return status < 500 ? 'invalid' : 'error';
}

/**
 * A provider webhook: the HTTP handler stack, plus the outcome and handling time of every call as metrics
 * (the dashboard's webhook panels and the webhook-error alarms read them).
 */
export function webhookHandler(
  provider: WebhookProvider,
  fn: (event: ApiEvent, context: Context) => Promise<ApiResult>,
) {
  return apiHandler(async (event, context) => {
    const started = Date.now();
    try {
      const result = await fn(event, context);
      recordWebhook(provider, outcomeOf(result.statusCode ?? 200), Date.now() - started);
      return result;
    } catch (error) {
      recordWebhook(provider, outcomeOf(statusOf(error)), Date.now() - started);
      throw error;
    }
  });
}
