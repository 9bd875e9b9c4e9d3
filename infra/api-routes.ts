import type { FunctionKey } from './function-catalog';

/**
 * The HTTP API's routes, once: CDK builds API Gateway routes from this table and the local HTTP adapter serves
 * the same table. Paths keep the Django API's trailing slashes (the owner app calls them that way).
 * `jwt` routes sit behind the JWT authorizer; webhooks are public and verified in their handler.
 */
export interface ApiRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  fn: FunctionKey;
  auth: 'jwt' | 'none';
}

export const API_ROUTES: readonly ApiRoute[] = [
  { method: 'POST', path: '/api/payments/', fn: 'createPayment', auth: 'jwt' },
  { method: 'GET', path: '/api/payments/{id}/', fn: 'getPayment', auth: 'jwt' },
  { method: 'GET', path: '/api/owner-payouts/', fn: 'listOwnerPayouts', auth: 'jwt' },
  { method: 'GET', path: '/api/owner-payouts/export.csv', fn: 'exportPayouts', auth: 'jwt' },
  { method: 'GET', path: '/api/owner-payouts/{id}/', fn: 'getOwnerPayout', auth: 'jwt' },
  { method: 'GET', path: '/api/admin/payouts/summary/', fn: 'payoutSummary', auth: 'jwt' },
  { method: 'GET', path: '/api/owners/me/payment-details/', fn: 'ownerPaymentDetails', auth: 'jwt' },
  { method: 'PUT', path: '/api/owners/me/payment-details/', fn: 'ownerPaymentDetails', auth: 'jwt' },
  { method: 'GET', path: '/api/owners/me/payment-details/history/', fn: 'ownerPaymentDetails', auth: 'jwt' },
  { method: 'GET', path: '/api/owner-payouts/{id}/check_status/', fn: 'checkPayoutStatus', auth: 'jwt' },
  { method: 'POST', path: '/api/owner-payouts/{id}/manual_retry/', fn: 'manualRetry', auth: 'jwt' },
  { method: 'POST', path: '/api/webhooks/phonepe/', fn: 'phonepeWebhook', auth: 'none' },
  { method: 'POST', path: '/api/webhooks/cashfree/', fn: 'cashfreeWebhook', auth: 'none' },
];

/** The API Gateway route path of a Django-style path: the same without its trailing slash. */
export function apiGatewayPath(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}
