/**
 * Every Lambda function of the system, once. The CDK stack builds one NodejsFunction per entry; the local stack
 * finds the same entry through the function's POWERTOOLS_SERVICE_NAME in the synthesized template.
 * Pure data: no CDK import, so the local stack and tests read it cheaply.
 */
/**
 * What a function may use: `directory` reads the directory (`directory:write` writes it too); `payments` and
 * `payouts` read and write their table (`:read`, read only).
 */
export type Needs =
  | 'directory'
  | 'directory:write'
  | 'payments'
  | 'payments:read'
  | 'payouts'
  | 'payouts:read'
  | 'phonepe'
  | 'cashfree'
  | 'paymentConfig'
  | 'stateMachine'
  | 'stateMachineRead'
  | 'stateMachineRedrive'
  | 'payoutPolicy'
  /** Only where an account number is sealed or opened: the payment-details PUT and the payout's destination. */
  | 'paymentDetailsKey';

export interface FunctionSpec {
  /** Also the POWERTOOLS_SERVICE_NAME and the stem of the function's logical id. */
  service: string;
  entry: string;
  description: string;
  timeoutSeconds: number;
  memoryMb: number;
  needs: readonly Needs[];
  /**
   * Reserved concurrency: at most this many invocations at once, whatever the traffic. 1 makes a scheduled
   * function a singleton (a run still going when the next is due makes the next wait, never overlap); a small
   * number caps the calls a function can make to a rate-limited API (docs/deploy.md, "Rate limits").
   */
  reservedConcurrency?: number;
}

export const FUNCTIONS = {
  createPayment: {
    service: 'create-payment',
    entry: 'functions/http/create-payment.ts',
    description: 'POST /api/payments/: tenant starts a rent payment (PhonePe order)',
    timeoutSeconds: 15,
    memoryMb: 512,
    needs: ['directory', 'payments', 'phonepe', 'paymentConfig'],
  },
  ownerPaymentDetails: {
    service: 'owner-payment-details',
    entry: 'functions/http/owner-payment-details.ts',
    description: 'GET/PUT /api/owners/me/payment-details/ (owners), history',
    timeoutSeconds: 10,
    memoryMb: 512,
    needs: ['paymentDetailsKey', 'directory:write'],
  },
  directoryAdmin: {
    service: 'directory-admin',
    entry: 'functions/http/directory-admin.ts',
    description: 'Admins: owners, properties, units, tenants',
    timeoutSeconds: 10,
    memoryMb: 256,
    needs: ['directory:write'],
  },
  openapi: {
    service: 'openapi',
    entry: 'functions/http/openapi.ts',
    description: 'GET /api/openapi.json',
    timeoutSeconds: 5,
    memoryMb: 256,
    needs: [],
  },
  ownerPaymentDetailsAdmin: {
    service: 'owner-payment-details-admin',
    entry: 'functions/http/owner-payment-details-admin.ts',
    description: "Admins: an owner's payment details (masked) and their history, read-only",
    timeoutSeconds: 10,
    memoryMb: 256,
    needs: ['directory'],
  },
  payoutExecutions: {
    service: 'payout-executions',
    entry: 'functions/http/payout-executions.ts',
    description: "GET /api/admin/payouts/{id}/executions/: a payout's workflow runs (DescribeExecution)",
    timeoutSeconds: 10,
    memoryMb: 256,
    needs: ['payouts', 'stateMachineRead'],
  },
  getPayment: {
    service: 'get-payment',
    entry: 'functions/http/get-payment.ts',
    description: 'GET /api/payments/{id}/',
    timeoutSeconds: 10,
    memoryMb: 256,
    needs: ['payments:read'],
  },
  listOwnerPayouts: {
    service: 'list-owner-payouts',
    entry: 'functions/http/list-owner-payouts.ts',
    description: 'GET /api/owner-payouts/: newest first, cursor pagination, filters',
    timeoutSeconds: 10,
    memoryMb: 512,
    needs: ['payouts:read', 'directory'],
  },
  exportPayouts: {
    service: 'export-payouts',
    entry: 'functions/http/export-payouts.ts',
    description: 'GET /api/owner-payouts/export.csv',
    timeoutSeconds: 30,
    memoryMb: 512,
    needs: ['payouts:read', 'directory'],
  },
  payoutSummary: {
    service: 'payout-summary',
    entry: 'functions/http/payout-summary.ts',
    description: 'GET /api/admin/payouts/summary/ (admins)',
    timeoutSeconds: 30,
    memoryMb: 512,
    needs: ['payouts:read'],
  },
  paymentsAdmin: {
    service: 'payments-admin',
    entry: 'functions/http/payments-admin.ts',
    description: 'Admins: payments waiting on an operator (mismatches, duplicates) and their resolution',
    timeoutSeconds: 10,
    memoryMb: 256,
    needs: ['payments'],
  },
  getOwnerPayout: {
    service: 'get-owner-payout',
    entry: 'functions/http/get-owner-payout.ts',
    description: 'GET /api/owner-payouts/{id}/',
    timeoutSeconds: 10,
    memoryMb: 256,
    needs: ['payouts:read'],
  },
  phonepeWebhook: {
    service: 'phonepe-webhook',
    entry: 'functions/webhooks/phonepe-webhook.ts',
    description: 'POST /api/webhooks/phonepe/: verify, record durably, ack',
    timeoutSeconds: 5,
    memoryMb: 512,
    needs: ['payments', 'phonepe'],
  },
  cashfreeWebhook: {
    service: 'cashfree-webhook',
    entry: 'functions/webhooks/cashfree-webhook.ts',
    description: 'POST /api/webhooks/cashfree/: verify HMAC, apply the transfer status (fast path)',
    timeoutSeconds: 10,
    memoryMb: 512,
    needs: ['payouts', 'cashfree', 'payoutPolicy'],
  },
  checkPayoutStatus: {
    service: 'check-payout-status',
    entry: 'functions/http/check-payout-status.ts',
    description: 'GET /api/owner-payouts/{id}/check_status/: ask Cashfree, apply the status',
    timeoutSeconds: 15,
    memoryMb: 512,
    needs: ['payouts', 'cashfree', 'payoutPolicy'],
  },
  manualRetry: {
    service: 'manual-retry',
    entry: 'functions/http/manual-retry.ts',
    description: 'POST /api/owner-payouts/{id}/manual_retry/ (admins)',
    timeoutSeconds: 15,
    memoryMb: 512,
    needs: ['directory', 'payouts', 'stateMachine', 'stateMachineRead', 'cashfree', 'payoutPolicy'],
  },
  confirmPayments: {
    service: 'confirm-payments',
    entry: 'functions/stream/confirm-payments.ts',
    description: 'Payments stream: recorded PhonePe event -> confirm with the order-status API',
    timeoutSeconds: 60,
    memoryMb: 512,
    needs: ['payments', 'phonepe'],
  },
  reconcilePayments: {
    service: 'reconcile-payments',
    entry: 'functions/scheduled/reconcile-payments.ts',
    description: 'Every minute: confirm pending payments whose PhonePe webhook has not come',
    timeoutSeconds: 120,
    memoryMb: 512,
    needs: ['payouts', 'directory', 'stateMachine', 'payments', 'phonepe'],
    // Two runs at once would ask PhonePe twice about the same payments; one at a time.
    reservedConcurrency: 1,
  },
  reconcilePayouts: {
    service: 'reconcile-payouts',
    entry: 'functions/scheduled/reconcile-payouts.ts',
    description: 'Every minute: resume stopped payout runs, resolve transfers in flight, watch for reversals',
    timeoutSeconds: 120,
    memoryMb: 512,
    needs: ['payouts', 'cashfree', 'payoutPolicy', 'stateMachine', 'stateMachineRead', 'stateMachineRedrive'],
    // Two runs at once would resume the same payout twice; one at a time.
    reservedConcurrency: 1,
  },
  startPayouts: {
    service: 'start-payouts',
    entry: 'functions/stream/start-payouts.ts',
    description: 'Payments stream: payment completed -> OwnerPayout + workflow execution',
    timeoutSeconds: 60,
    memoryMb: 512,
    needs: ['payments', 'directory', 'payouts', 'stateMachine'],
  },
  validatePayout: {
    service: 'payout-validate',
    entry: 'functions/workflow/validate-payout.ts',
    description: 'Payout workflow: validate the owner payment details',
    timeoutSeconds: 20,
    memoryMb: 512,
    needs: ['paymentDetailsKey', 'directory', 'payouts', 'cashfree', 'payoutPolicy'],
  },
  submitTransfer: {
    service: 'payout-submit-transfer',
    entry: 'functions/workflow/submit-transfer.ts',
    description: 'Payout workflow: Cashfree POST /transfers (asks first when the outcome is unknown)',
    timeoutSeconds: 60,
    memoryMb: 512,
    needs: ['paymentDetailsKey', 'directory', 'payouts', 'cashfree', 'payoutPolicy'],
    // Caps transfer requests on rent day well under Cashfree's limit; a throttled task is retried by the
    // state machine (Lambda.TooManyRequestsException).
    reservedConcurrency: 5,
  },
  checkTransfer: {
    service: 'payout-check-transfer',
    entry: 'functions/workflow/check-transfer.ts',
    description: 'Payout workflow: Cashfree GET /transfers?transfer_id= and the status transition',
    timeoutSeconds: 30,
    memoryMb: 512,
    needs: ['directory', 'payouts', 'cashfree', 'payoutPolicy'],
    reservedConcurrency: 5,
  },
} as const satisfies Record<string, FunctionSpec>;

export type FunctionKey = keyof typeof FUNCTIONS;

export function functionByService(service: string): FunctionSpec | undefined {
  return Object.values(FUNCTIONS).find((f) => f.service === service);
}
