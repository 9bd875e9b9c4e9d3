import type { z } from 'zod';
import {
  createPaymentBody,
  errorResponse,
  flaggedPaymentsQuery,
  paymentPageResponse,
  resolvePaymentBody,
  maskedPaymentDetailsResponse,
  paymentDetailsBody,
  paymentDetailsHistoryResponse,
  paymentResponse,
  payoutDetailResponse,
  payoutPageResponse,
  payoutSummaryResponse,
  ownerCreateBody,
  ownerListQuery,
  ownerPageResponse,
  ownerResponse,
  ownerUpdateBody,
  payoutExecutionsResponse,
  propertyCreateBody,
  propertyResponse,
  propertyUpdateBody,
  tenantCreateBody,
  tenantResponse,
  tenantUpdateBody,
  unitCreateBody,
  unitResponse,
  unitUpdateBody,
  webhookAck,
} from '../shared/http/api-schemas';
import { exportQuerySchema, listQuerySchema, summaryQuerySchema } from '../shared/payouts/list-payouts';
import type { FunctionKey } from './function-catalog';

/**
 * The HTTP API's routes, once: CDK builds API Gateway routes from this table, the local HTTP adapter serves
 * the same table, and the OpenAPI document is generated from it with the handlers' own zod schemas.
 * Paths keep the Django API's trailing slashes (the owner app calls them that way).
 * `jwt` routes sit behind the JWT authorizer; webhooks are public and verified in their handler.
 */
export interface ApiRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  fn: FunctionKey;
  auth: 'jwt' | 'none';
  doc: {
    summary: string;
    tag: string;
    body?: z.ZodType;
    query?: z.ZodType;
    /** Response schemas by status; 'csv' for a text/csv body. Error statuses use the error shape. */
    responses: Record<number, z.ZodType | 'csv' | 'error'>;
  };
}

const E = 'error' as const;

export const API_ROUTES: readonly ApiRoute[] = [
  {
    method: 'POST',
    path: '/api/payments/',
    fn: 'createPayment',
    auth: 'jwt',
    doc: {
      tag: 'payments',
      summary: 'Tenant: start (or resume) the rent payment of a unit for a period',
      body: createPaymentBody,
      responses: {
        201: paymentResponse,
        200: paymentResponse,
        400: E,
        401: E,
        403: E,
        404: E,
        409: E,
        503: E,
      },
    },
  },
  {
    method: 'GET',
    path: '/api/payments/{id}/',
    fn: 'getPayment',
    auth: 'jwt',
    doc: {
      tag: 'payments',
      summary: 'A payment (its tenant, the unit owner, admins)',
      responses: { 200: paymentResponse, 401: E, 404: E },
    },
  },
  {
    method: 'GET',
    path: '/api/admin/payments/',
    fn: 'paymentsAdmin',
    auth: 'jwt',
    doc: {
      tag: 'admin',
      summary: 'Admins: payments waiting on an operator for a flag (amount_mismatch, duplicate_payment)',
      query: flaggedPaymentsQuery,
      responses: { 200: paymentPageResponse, 400: E, 401: E, 403: E },
    },
  },
  {
    method: 'POST',
    path: '/api/admin/payments/{id}/resolve/',
    fn: 'paymentsAdmin',
    auth: 'jwt',
    doc: {
      tag: 'admin',
      summary: "Admins: record an operator's resolution of a payment's flag (refunded, or accepted)",
      body: resolvePaymentBody,
      responses: { 200: paymentResponse, 400: E, 401: E, 403: E, 404: E, 409: E },
    },
  },
  {
    method: 'GET',
    path: '/api/owner-payouts/',
    fn: 'listOwnerPayouts',
    auth: 'jwt',
    doc: {
      tag: 'owner-payouts',
      summary: 'Payouts, newest first, cursor-paginated (owners: their own; admins: all)',
      query: listQuerySchema,
      responses: { 200: payoutPageResponse, 400: E, 401: E, 403: E },
    },
  },
  {
    method: 'GET',
    path: '/api/owner-payouts/export.csv',
    fn: 'exportPayouts',
    auth: 'jwt',
    doc: {
      tag: 'owner-payouts',
      summary: 'The same filters, as CSV',
      query: exportQuerySchema,
      responses: { 200: 'csv', 400: E, 401: E, 403: E },
    },
  },
  {
    method: 'GET',
    path: '/api/owner-payouts/{id}/',
    fn: 'getOwnerPayout',
    auth: 'jwt',
    doc: {
      tag: 'owner-payouts',
      summary: 'A payout with its attempt history',
      responses: { 200: payoutDetailResponse, 401: E, 404: E },
    },
  },
  {
    method: 'GET',
    path: '/api/owner-payouts/{id}/check_status/',
    fn: 'checkPayoutStatus',
    auth: 'jwt',
    doc: {
      tag: 'owner-payouts',
      summary: 'Ask Cashfree for the current status and apply it',
      responses: { 200: payoutDetailResponse, 401: E, 404: E, 429: E, 503: E },
    },
  },
  {
    method: 'POST',
    path: '/api/owner-payouts/{id}/manual_retry/',
    fn: 'manualRetry',
    auth: 'jwt',
    doc: {
      tag: 'owner-payouts',
      summary: 'Admins: retry a failed payout (a new workflow run)',
      responses: { 200: payoutDetailResponse, 401: E, 403: E, 404: E, 409: E },
    },
  },
  {
    method: 'GET',
    path: '/api/admin/payouts/summary/',
    fn: 'payoutSummary',
    auth: 'jwt',
    doc: {
      tag: 'admin',
      summary: 'Admins: counts and amounts by status',
      query: summaryQuerySchema,
      responses: { 200: payoutSummaryResponse, 400: E, 401: E, 403: E },
    },
  },
  {
    method: 'GET',
    path: '/api/owners/me/payment-details/',
    fn: 'ownerPaymentDetails',
    auth: 'jwt',
    doc: {
      tag: 'owners',
      summary: 'Owner: the payment details (masked)',
      responses: { 200: maskedPaymentDetailsResponse, 401: E, 403: E },
    },
  },
  {
    method: 'PUT',
    path: '/api/owners/me/payment-details/',
    fn: 'ownerPaymentDetails',
    auth: 'jwt',
    doc: {
      tag: 'owners',
      summary: 'Owner: set bank or UPI details',
      body: paymentDetailsBody,
      responses: { 200: maskedPaymentDetailsResponse, 400: E, 401: E, 403: E, 409: E },
    },
  },
  {
    method: 'GET',
    path: '/api/owners/me/payment-details/history/',
    fn: 'ownerPaymentDetails',
    auth: 'jwt',
    doc: {
      tag: 'owners',
      summary: 'Owner: every change of the details (masked)',
      responses: { 200: paymentDetailsHistoryResponse, 401: E, 403: E },
    },
  },
  {
    method: 'POST',
    path: '/api/webhooks/phonepe/',
    fn: 'phonepeWebhook',
    auth: 'none',
    doc: {
      tag: 'webhooks',
      summary:
        'PhonePe PG v2 callback (Authorization: sha256(username:password)); 503 until credentials are set',
      responses: { 200: webhookAck, 400: E, 401: E, 413: E, 503: E },
    },
  },
  {
    method: 'POST',
    path: '/api/webhooks/cashfree/',
    fn: 'cashfreeWebhook',
    auth: 'none',
    doc: {
      tag: 'webhooks',
      summary: 'Cashfree Payouts v2 webhook (x-webhook-signature HMAC); 503 until credentials are set',
      responses: { 200: webhookAck, 400: E, 401: E, 503: E },
    },
  },
  {
    method: 'POST',
    path: '/api/admin/owners/',
    fn: 'directoryAdmin',
    auth: 'jwt',
    doc: {
      tag: 'admin',
      summary: 'Admins: create an owner',
      body: ownerCreateBody,
      responses: { 201: ownerResponse, 400: E, 401: E, 403: E },
    },
  },
  {
    method: 'GET',
    path: '/api/admin/owners/{id}/',
    fn: 'directoryAdmin',
    auth: 'jwt',
    doc: {
      tag: 'admin',
      summary: 'Admins: read an owner',
      responses: { 200: ownerResponse, 401: E, 403: E, 404: E },
    },
  },
  {
    method: 'POST',
    path: '/api/admin/properties/',
    fn: 'directoryAdmin',
    auth: 'jwt',
    doc: {
      tag: 'admin',
      summary: 'Admins: create a property',
      body: propertyCreateBody,
      responses: { 201: propertyResponse, 400: E, 401: E, 403: E },
    },
  },
  {
    method: 'GET',
    path: '/api/admin/properties/{id}/',
    fn: 'directoryAdmin',
    auth: 'jwt',
    doc: {
      tag: 'admin',
      summary: 'Admins: read a property',
      responses: { 200: propertyResponse, 401: E, 403: E, 404: E },
    },
  },
  {
    method: 'POST',
    path: '/api/admin/units/',
    fn: 'directoryAdmin',
    auth: 'jwt',
    doc: {
      tag: 'admin',
      summary: 'Admins: create a unit (rent, owner from its property)',
      body: unitCreateBody,
      responses: { 201: unitResponse, 400: E, 401: E, 403: E },
    },
  },
  {
    method: 'GET',
    path: '/api/admin/units/{id}/',
    fn: 'directoryAdmin',
    auth: 'jwt',
    doc: {
      tag: 'admin',
      summary: 'Admins: read a unit',
      responses: { 200: unitResponse, 401: E, 403: E, 404: E },
    },
  },
  {
    method: 'POST',
    path: '/api/admin/tenants/',
    fn: 'directoryAdmin',
    auth: 'jwt',
    doc: {
      tag: 'admin',
      summary: 'Admins: create a tenant (assigned to a unit)',
      body: tenantCreateBody,
      responses: { 201: tenantResponse, 400: E, 401: E, 403: E },
    },
  },
  {
    method: 'GET',
    path: '/api/admin/tenants/{id}/',
    fn: 'directoryAdmin',
    auth: 'jwt',
    doc: {
      tag: 'admin',
      summary: 'Admins: read a tenant',
      responses: { 200: tenantResponse, 401: E, 403: E, 404: E },
    },
  },
  {
    method: 'PUT',
    path: '/api/admin/units/{id}/',
    fn: 'directoryAdmin',
    auth: 'jwt',
    doc: {
      tag: 'admin',
      summary: 'Admins: change a unit (number, rent)',
      body: unitUpdateBody,
      responses: { 200: unitResponse, 400: E, 401: E, 403: E, 404: E },
    },
  },
  {
    method: 'PUT',
    path: '/api/admin/tenants/{id}/',
    fn: 'directoryAdmin',
    auth: 'jwt',
    doc: {
      tag: 'admin',
      summary: 'Admins: change a tenant (name, phone, unit assignment)',
      body: tenantUpdateBody,
      responses: { 200: tenantResponse, 400: E, 401: E, 403: E, 404: E },
    },
  },
  {
    method: 'GET',
    path: '/api/admin/owners/',
    fn: 'directoryAdmin',
    auth: 'jwt',
    doc: {
      tag: 'admin',
      summary: 'Admins: owners by name, A to Z (search: a name prefix, case-insensitive)',
      query: ownerListQuery,
      responses: { 200: ownerPageResponse, 400: E, 401: E, 403: E },
    },
  },
  {
    method: 'PUT',
    path: '/api/admin/owners/{id}/',
    fn: 'directoryAdmin',
    auth: 'jwt',
    doc: {
      tag: 'admin',
      summary: "Admins: change an owner (name, email, phone; payment details are the owner's own)",
      body: ownerUpdateBody,
      responses: { 200: ownerResponse, 400: E, 401: E, 403: E, 404: E, 409: E },
    },
  },
  {
    method: 'PUT',
    path: '/api/admin/properties/{id}/',
    fn: 'directoryAdmin',
    auth: 'jwt',
    doc: {
      tag: 'admin',
      summary: 'Admins: change a property (name, address)',
      body: propertyUpdateBody,
      responses: { 200: propertyResponse, 400: E, 401: E, 403: E, 404: E },
    },
  },
  {
    method: 'GET',
    path: '/api/admin/owners/{id}/payment-details/',
    fn: 'ownerPaymentDetailsAdmin',
    auth: 'jwt',
    doc: {
      tag: 'admin',
      summary: "Admins: an owner's payment details (masked)",
      responses: { 200: maskedPaymentDetailsResponse, 401: E, 403: E, 404: E },
    },
  },
  {
    method: 'GET',
    path: '/api/admin/owners/{id}/payment-details/history/',
    fn: 'ownerPaymentDetailsAdmin',
    auth: 'jwt',
    doc: {
      tag: 'admin',
      summary: "Admins: every change of an owner's payment details (masked), newest first",
      responses: { 200: paymentDetailsHistoryResponse, 401: E, 403: E, 404: E },
    },
  },
  {
    method: 'GET',
    path: '/api/admin/payouts/{id}/executions/',
    fn: 'payoutExecutions',
    auth: 'jwt',
    doc: {
      tag: 'admin',
      summary: "Admins: a payout's workflow executions (<payoutId>-<run>), newest first",
      responses: { 200: payoutExecutionsResponse, 401: E, 403: E, 404: E },
    },
  },
  {
    method: 'GET',
    path: '/api/openapi.json',
    fn: 'openapi',
    auth: 'none',
    doc: { tag: 'meta', summary: 'This document', responses: { 200: webhookAck } },
  },
];

/** The API Gateway route path of a Django-style path: the same without its trailing slash. */
export function apiGatewayPath(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

export { errorResponse };
