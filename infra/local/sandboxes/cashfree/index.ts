import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import {
  deliverWebhook,
  loadJson,
  parseJsonObject,
  readBody,
  saveJson,
  sendJson,
  SandboxRequestError,
} from '../http-util';
import { FaultBook, serveFaultControl } from '../faults';
import { checkTwoFactorSignature, SIGNATURE_HEADER } from './two-factor';

/**
 * The local Cashfree Payouts v2 sandbox (x-api-version 2024-01-01): Standard Transfer V2, Get Transfer Status
 * V2, the RECEIVED -> PENDING -> SUCCESS lifecycle, test beneficiaries for each failure class, a balance that
 * runs out, signed v2 webhooks, and faults on demand under /_sandbox/ (docs/sandboxes/cashfree.md).
 */
export interface CashfreeSandboxOptions {
  port: number;
  host?: string;
  clientId: string;
  clientSecret: string;
  /**
   * Payouts 2FA: the private key of the pair whose public key the merchant holds. When set, every Payouts
   * call must carry a valid X-Cf-Signature (./two-factor.ts), as Cashfree's production requires of callers
   * without a whitelisted IP.
   */
  twoFactor?: { privateKeyPem: string };
  webhookUrl: string | null;
  timeScale?: number;
  lifecycle?: { receivedToPendingMs: number; pendingToFinalMs: number };
  initialBalancePaise?: number;
  dataFile?: string;
  log?: (msg: string, data?: Record<string, unknown>) => void;
}

type Step = { status: string; status_code: string; status_description: string; afterMs: number };

/**
 * Test beneficiaries: the account number (or VPA) decides the transfer's fate. Any other valid beneficiary
 * succeeds. `afterMs` is the unscaled time after the previous step.
 */
export const TEST_BENEFICIARIES: Record<
  string,
  {
    outcome: string;
    steps: (life: { p: number; f: number }) => Step[];
    firstAttemptOnly?: boolean;
    /** With firstAttemptOnly: the steps of the beneficiary's later transfers (default: PENDING, then SUCCESS). */
    laterSteps?: (life: { p: number; f: number }) => Step[];
  }
> = {
  '000000000001': {
    outcome: 'FAILED INVALID_BENE_ACCOUNT_OR_IFSC (permanent)',
    steps: ({ p, f }) => [
      pending(p),
      final('FAILED', 'INVALID_BENE_ACCOUNT_OR_IFSC', 'Invalid beneficiary account number or IFSC', f),
    ],
  },
  '000000000002': {
    outcome: 'FAILED ACCOUNT_BLOCKED (permanent)',
    steps: ({ p, f }) => [
      pending(p),
      final('FAILED', 'ACCOUNT_BLOCKED', 'Beneficiary account is blocked or frozen', f),
    ],
  },
  '000000000003': {
    outcome: 'REJECTED BENE_BLACKLISTED (permanent)',
    steps: ({ p }) => [final('REJECTED', 'BENE_BLACKLISTED', 'Beneficiary is blacklisted', p)],
  },
  '000000000004': {
    outcome: 'FAILED IMPS_MODE_FAIL (retryable)',
    steps: ({ p, f }) => [
      pending(p),
      final('FAILED', 'IMPS_MODE_FAIL', 'IMPS is down at the beneficiary bank', f),
    ],
  },
  '000000000005': {
    outcome: 'FAILED WAIT_TIME_EXCEEDED (retryable), every attempt',
    steps: ({ p, f }) => [
      pending(p),
      final('FAILED', 'WAIT_TIME_EXCEEDED', 'Bank did not respond in time', f),
    ],
  },
  '000000000006': {
    outcome: 'FAILED WAIT_TIME_EXCEEDED on the first transfer only, then SUCCESS',
    firstAttemptOnly: true,
    steps: ({ p, f }) => [
      pending(p),
      final('FAILED', 'WAIT_TIME_EXCEEDED', 'Bank did not respond in time', f),
    ],
  },
  '000000000010': {
    outcome: 'FAILED WAIT_TIME_EXCEEDED on the first transfer only, then PENDING for 1 h, then SUCCESS',
    firstAttemptOnly: true,
    steps: ({ p, f }) => [
      pending(p),
      final('FAILED', 'WAIT_TIME_EXCEEDED', 'Bank did not respond in time', f),
    ],
    laterSteps: ({ p }) => [pending(p), success(3_600_000)],
  },
  '000000000011': {
    outcome: 'PENDING until its status is set (POST /_sandbox/transfers/{transfer_id}/status)',
    steps: ({ p }) => [pending(p)],
  },
  '000000000007': {
    outcome: 'PENDING SCHEDULED_FOR_NEXT_WORKINGDAY for 1 h, then SUCCESS',
    steps: ({ p }) => [
      {
        status: 'PENDING',
        status_code: 'SCHEDULED_FOR_NEXT_WORKINGDAY',
        status_description: 'Scheduled for the next working day',
        afterMs: p,
      },
      success(3_600_000),
    ],
  },
  '000000000008': {
    outcome: 'APPROVAL_PENDING for 10 min, then SUCCESS',
    steps: ({ p }) => [
      {
        status: 'APPROVAL_PENDING',
        status_code: 'APPROVAL_PENDING',
        status_description: 'Waiting for approval',
        afterMs: p,
      },
      success(600_000),
    ],
  },
  '000000000009': {
    outcome: 'SUCCESS, then REVERSED (INVALID_ACCOUNT_FAIL) 10 s later',
    steps: ({ p, f }) => [
      pending(p),
      success(f),
      final('REVERSED', 'INVALID_ACCOUNT_FAIL', 'Reversed by the beneficiary bank', 10_000),
    ],
  },
  'failvpa@upi': {
    outcome: 'FAILED INVALID_BENE_VPA (permanent)',
    steps: ({ p, f }) => [pending(p), final('FAILED', 'INVALID_BENE_VPA', 'Invalid VPA', f)],
  },
};

function pending(afterMs: number): Step {
  return {
    status: 'PENDING',
    status_code: 'SENT_TO_BANK',
    status_description: 'Transfer sent to the bank',
    afterMs,
  };
}
function success(afterMs: number): Step {
  return { status: 'SUCCESS', status_code: 'COMPLETED', status_description: 'Transfer completed', afterMs };
}
function final(status: string, code: string, description: string, afterMs: number): Step {
  return { status, status_code: code, status_description: description, afterMs };
}

interface Transfer {
  transfer_id: string;
  cf_transfer_id: string;
  status: string;
  status_code: string;
  status_description: string;
  beneficiary_details: Record<string, unknown>;
  transfer_amount: number;
  transfer_service_charge: number;
  transfer_service_tax: number;
  transfer_mode: string;
  transfer_utr: string | null;
  fundsource_id: string;
  added_on: string;
  updated_on: string;
  /** Sandbox bookkeeping, not part of Cashfree's object. */
  _createCalls: number;
  _steps: Step[];
  _nextAt: number | null;
}

const faultsSchema = z.strictObject({
  createErrorsBeforeAccept: z.number().int().min(0).max(1000).optional(),
  createErrorsAfterAccept: z.number().int().min(0).max(1000).optional(),
  createTimeoutsBeforeAccept: z.number().int().min(0).max(1000).optional(),
  createTimeoutsAfterAccept: z.number().int().min(0).max(1000).optional(),
  statusErrors: z.number().int().min(0).max(1000).optional(),
  statusTimeouts: z.number().int().min(0).max(1000).optional(),
  // 400 on a status read: a refusal that says nothing about the transfer itself.
  statusClientErrors: z.number().int().min(0).max(1000).optional(),
  rateLimit: z
    .strictObject({
      count: z.number().int().min(0).max(1000),
      retryAfterSeconds: z.number().int().min(1).max(3600),
    })
    .optional(),
  authFailures: z.number().int().min(0).max(1000).optional(),
  // Auth failures on transfer creation only: a status poll of another payout cannot use them up.
  createAuthFailures: z.number().int().min(0).max(1000).optional(),
  dropWebhooks: z.number().int().min(0).max(1000).optional(),
  duplicateWebhooks: z.number().int().min(0).max(50).optional(),
});
type Faults = z.infer<typeof faultsSchema>;
// A beneficiary's bank account number or VPA: with it, the faults apply only to that beneficiary's transfers
// (creation, status reads and webhooks), so a payout still polling elsewhere cannot use them up.
const beneficiaryScope = z.string().regex(/^[A-Za-z0-9._@-]{4,100}$/, 'a bank account number or VPA');

/** The beneficiary a transfer (or a creation request's body) pays: its VPA, else its bank account number. */
function beneficiaryOf(details: unknown): string | undefined {
  if (typeof details !== 'object' || details === null) return undefined;
  const instrument = (details as { beneficiary_instrument_details?: unknown }).beneficiary_instrument_details;
  if (typeof instrument !== 'object' || instrument === null) return undefined;
  const { vpa, bank_account_number: account } = instrument as Record<string, unknown>;
  if (typeof vpa === 'string') return vpa;
  return typeof account === 'string' ? account : undefined;
}

const transferSchema = z.looseObject({
  transfer_id: z.string().regex(/^[A-Za-z0-9_]{1,40}$/, 'transfer_id_invalid'),
  transfer_amount: z
    .number()
    .min(1, 'transfer_amount_invalid')
    .refine(
      (n) => Math.round(n * 100) === n * 100 || Math.abs(Math.round(n * 100) - n * 100) < 1e-6,
      'transfer_amount_invalid',
    ),
  transfer_currency: z.literal('INR').optional(),
  transfer_mode: z
    .enum(['banktransfer', 'imps', 'neft', 'rtgs', 'upi', 'paytm', 'amazonpay', 'card', 'cardupi'])
    .optional(),
  beneficiary_details: z.looseObject({
    beneficiary_id: z.string().max(50).optional(),
    beneficiary_name: z
      .string()
      .max(100)
      .regex(/^[A-Za-z ]+$/, 'beneficiary_details.beneficiary_name_invalid')
      .optional(),
    beneficiary_instrument_details: z
      .looseObject({
        bank_account_number: z
          .string()
          .regex(/^[A-Za-z0-9]{4,25}$/, 'beneficiary_details.bank_account_number_invalid')
          .optional(),
        bank_ifsc: z
          .string()
          .regex(/^[A-Z]{4}0[A-Z0-9]{6}$/, 'beneficiary_details.bank_ifsc_invalid')
          .optional(),
        vpa: z
          .string()
          .regex(/^[A-Za-z0-9._-]+@[A-Za-z0-9]+$/, 'beneficiary_details.vpa_invalid')
          .optional(),
      })
      .optional(),
  }),
  transfer_remarks: z
    .string()
    .max(70)
    .regex(/^[A-Za-z0-9 ]*$/, 'transfer_remarks_invalid')
    .optional(),
});

const statusSchema = z.strictObject({
  status: z.enum(['RECEIVED', 'PENDING', 'APPROVAL_PENDING', 'SUCCESS', 'FAILED', 'REJECTED', 'REVERSED']),
  status_code: z.string().regex(/^[A-Z_]{1,50}$/),
  status_description: z.string().max(200).default('Set by the sandbox control'),
});

export function signCashfreeWebhook(secret: string, timestamp: string, rawBody: string): string {
  return createHmac('sha256', secret)
    .update(timestamp + rawBody)
    .digest('base64');
}

const EVENTS: Record<string, string> = {
  SUCCESS: 'TRANSFER_SUCCESS',
  FAILED: 'TRANSFER_FAILED',
  REJECTED: 'TRANSFER_REJECTED',
  REVERSED: 'TRANSFER_REVERSED',
};
const WEBHOOK_BACKOFF_MS = [1000, 2000, 4000, 8000];

function publicView(t: Transfer) {
  const { _createCalls: _a, _steps: _b, _nextAt: _c, ...view } = t;
  return view;
}

export async function startCashfreeSandbox(
  o: CashfreeSandboxOptions,
): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const host = o.host ?? '127.0.0.1';
  const scale = o.timeScale ?? 1;
  const life = { p: o.lifecycle?.receivedToPendingMs ?? 2000, f: o.lifecycle?.pendingToFinalMs ?? 3000 };
  const log = o.log ?? (() => undefined);
  const saved = loadJson<{
    transfers: Transfer[];
    balancePaise: number;
    webhooks: unknown[];
    beneficiaryAttempts: Record<string, number>;
  }>(o.dataFile);
  const transfers = new Map<string, Transfer>((saved?.transfers ?? []).map((t) => [t.transfer_id, t]));
  let balancePaise = saved?.balancePaise ?? o.initialBalancePaise ?? 10_000_000_000;
  const webhooks: unknown[] = saved?.webhooks ?? [];
  const beneficiaryAttempts: Record<string, number> = saved?.beneficiaryAttempts ?? {};
  const faults = new FaultBook<Faults>(() => ({}));
  let closed = false;
  const hanging = new Set<ServerResponse>();
  const persist = () =>
    saveJson(o.dataFile, {
      transfers: [...transfers.values()],
      balancePaise,
      webhooks: webhooks.slice(-1000),
      beneficiaryAttempts,
    });

  const takeRateLimit = (beneficiary?: string) => {
    for (const set of faults.sets(beneficiary)) {
      const limit = set.rateLimit;
      if (limit && limit.count > 0) {
        limit.count -= 1;
        return limit.retryAfterSeconds;
      }
    }
    return null;
  };

  const rateHeaders = () => ({
    'x-ratelimit-limit': '150',
    'x-ratelimit-remaining': '149',
    'x-ratelimit-retry': '0',
    'x-request-id': randomUUID(),
  });
  const cfError = (
    res: ServerResponse,
    status: number,
    type: string,
    code: string,
    message: string,
    headers: Record<string, string> = {},
  ) => sendJson(res, status, { type, code, message }, { 'x-request-id': randomUUID(), ...headers });

  function sendWebhook(t: Transfer): void {
    const type = EVENTS[t.status];
    if (!o.webhookUrl || !type) return;
    const beneficiary = beneficiaryOf(t.beneficiary_details);
    if (faults.take('dropWebhooks', beneficiary)) {
      webhooks.push({ transfer_id: t.transfer_id, type, dropped: true, at: new Date().toISOString() });
      return;
    }
    const copies = 1 + faults.takeAll('duplicateWebhooks', beneficiary);
    const body = JSON.stringify({
      data: publicView(t),
      event_time: new Date().toISOString().slice(0, 19),
      type,
    });
    for (let i = 0; i < copies; i += 1) {
      const timestamp = String(Date.now());
      void deliverWebhook({
        url: o.webhookUrl,
        headers: {
          'content-type': 'application/json',
          'x-webhook-timestamp': timestamp,
          'x-webhook-signature': signCashfreeWebhook(o.clientSecret, timestamp, body),
          'x-webhook-version': '2024-01-01',
        },
        body,
        backoffMs: WEBHOOK_BACKOFF_MS.map((ms) => ms * scale),
        isClosed: () => closed,
        record: (a) => {
          webhooks.push({ transfer_id: t.transfer_id, type, ...a });
          persist();
        },
      });
    }
  }

  /** Moves a transfer to its next step; SUCCESS debits the balance or, when it is short, fails the transfer. */
  function advance(t: Transfer): void {
    const step = t._steps.shift();
    if (!step) {
      t._nextAt = null;
      return;
    }
    let next = step;
    if (step.status === 'SUCCESS') {
      const amountPaise = Math.round(t.transfer_amount * 100);
      if (balancePaise < amountPaise) {
        // Cashfree accepts the transfer and fails it for lack of funds (status FAILED, INSUFFICIENT_BALANCE).
        next = final('FAILED', 'INSUFFICIENT_BALANCE', 'Insufficient balance in the payout account', 0);
        t._steps = [];
      } else {
        balancePaise -= amountPaise;
        t.transfer_utr = `UTR${Date.now().toString().slice(-8)}${randomBytes(3).toString('hex').toUpperCase()}`;
      }
    }
    if (step.status === 'REVERSED') balancePaise += Math.round(t.transfer_amount * 100);
    t.status = next.status;
    t.status_code = next.status_code;
    t.status_description = next.status_description;
    t.updated_on = new Date().toISOString();
    const following = t._steps[0];
    t._nextAt = following ? Date.now() + following.afterMs * scale : null;
    log('transfer', { transfer_id: t.transfer_id, status: t.status, status_code: t.status_code });
    persist();
    sendWebhook(t);
  }

  const ticker = setInterval(() => {
    const now = Date.now();
    for (const t of transfers.values()) if (t._nextAt !== null && t._nextAt <= now) advance(t);
  }, 20);
  ticker.unref();

  function authorized(
    req: IncomingMessage,
    res: ServerResponse,
    beneficiary: string | undefined,
    creating = false,
  ): boolean {
    if (
      faults.take('authFailures', beneficiary) ||
      (creating && faults.take('createAuthFailures', beneficiary)) ||
      req.headers['x-client-id'] !== o.clientId ||
      req.headers['x-client-secret'] !== o.clientSecret
    ) {
      // The v2 OpenAPI files authentication_error under 500, the Payouts error guide under 401: 401 here.
      cfError(res, 401, 'authentication_error', 'authentication_failed', 'authentication Failed');
      return false;
    }
    if (o.twoFactor) {
      const check = checkTwoFactorSignature(req.headers[SIGNATURE_HEADER], {
        clientId: o.clientId,
        privateKeyPem: o.twoFactor.privateKeyPem,
        nowMs: Date.now(),
        callerIp: req.socket.remoteAddress ?? 'unknown',
      });
      if (!check.ok) {
        log('2fa refused', { code: check.code });
        cfError(res, 403, 'authentication_error', check.code, check.message);
        return false;
      }
    }
    if (req.headers['x-api-version'] !== '2024-01-01') {
      cfError(
        res,
        400,
        'invalid_request_error',
        'x-api-version_invalid',
        'x-api-version is missing or not supported (2024-01-01)',
      );
      return false;
    }
    const retryAfter = takeRateLimit(beneficiary);
    if (retryAfter !== null) {
      const s = String(retryAfter);
      cfError(res, 429, 'rate_limit_error', 'rate_limit_exceeded', 'Too many requests', {
        'x-ratelimit-limit': '150',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-retry': s,
        'retry-after': s,
      });
      return false;
    }
    return true;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    let m: RegExpExecArray | null;

    if (method === 'POST' && path === '/payout/transfers') {
      // Parsed before authentication to know whose faults apply; a malformed body is answered after it.
      let raw: Record<string, unknown> | SandboxRequestError;
      try {
        raw = parseJsonObject(await readBody(req));
      } catch (error) {
        if (!(error instanceof SandboxRequestError)) throw error;
        raw = error;
      }
      const beneficiary =
        raw instanceof SandboxRequestError ? undefined : beneficiaryOf(raw.beneficiary_details);
      if (!authorized(req, res, beneficiary, true)) return;
      if (raw instanceof SandboxRequestError) throw raw;
      if (faults.take('createTimeoutsBeforeAccept', beneficiary)) {
        hanging.add(res);
        return;
      }
      if (faults.take('createErrorsBeforeAccept', beneficiary))
        return cfError(res, 500, 'api_error', 'internal_server_error', 'Internal Server Error');
      const parsed = transferSchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const code = issue?.message.includes('_invalid')
          ? issue.message
          : `${issue?.path.join('.') ?? 'body'}_invalid`;
        return cfError(
          res,
          400,
          'invalid_request_error',
          code,
          `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`,
        );
      }
      const body = parsed.data;
      const instrument = body.beneficiary_details.beneficiary_instrument_details ?? {};
      const mode = body.transfer_mode ?? 'banktransfer';
      if (mode === 'upi' && !instrument.vpa)
        return cfError(
          res,
          400,
          'invalid_request_error',
          'beneficiary_details.vpa_missing',
          'vpa is required for upi transfers',
        );
      if (mode !== 'upi' && (!instrument.bank_account_number || !instrument.bank_ifsc)) {
        return cfError(
          res,
          400,
          'invalid_request_error',
          'beneficiary_details.bank_account_number_missing',
          'bank_account_number and bank_ifsc are required',
        );
      }
      if (!body.beneficiary_details.beneficiary_id && !body.beneficiary_details.beneficiary_name) {
        return cfError(
          res,
          400,
          'invalid_request_error',
          'beneficiary_details.beneficiary_name_missing',
          'beneficiary_name is required without beneficiary_id',
        );
      }
      const existing = transfers.get(body.transfer_id);
      if (existing) {
        existing._createCalls += 1;
        persist();
        return cfError(
          res,
          409,
          'invalid_request_error',
          'transfer_id_already_exists',
          'Transfer Id already exists',
        );
      }
      const key = String(instrument.vpa ?? instrument.bank_account_number ?? '');
      beneficiaryAttempts[key] = (beneficiaryAttempts[key] ?? 0) + 1;
      const special = TEST_BENEFICIARIES[key];
      const useSpecial = special && (!special.firstAttemptOnly || beneficiaryAttempts[key] === 1);
      const steps = useSpecial
        ? special.steps(life)
        : (special?.laterSteps?.(life) ?? [pending(life.p), success(life.f)]);
      const now = new Date().toISOString();
      const t: Transfer = {
        transfer_id: body.transfer_id,
        cf_transfer_id: String(Date.now()) + String(Math.floor(Math.random() * 1000)).padStart(3, '0'),
        status: 'RECEIVED',
        status_code: 'RECEIVED',
        status_description: 'Request received',
        beneficiary_details: body.beneficiary_details,
        transfer_amount: body.transfer_amount,
        transfer_service_charge: 0,
        transfer_service_tax: 0,
        transfer_mode: mode === 'upi' ? 'UPI' : 'BANK',
        transfer_utr: null,
        fundsource_id: 'CASHFREE_1',
        added_on: now,
        updated_on: now,
        _createCalls: 1,
        _steps: steps,
        _nextAt: Date.now() + (steps[0]?.afterMs ?? 0) * scale,
      };
      transfers.set(t.transfer_id, t);
      persist();
      if (faults.take('createTimeoutsAfterAccept', beneficiary)) {
        hanging.add(res);
        return;
      }
      if (faults.take('createErrorsAfterAccept', beneficiary))
        return cfError(res, 502, 'api_error', 'internal_server_error', 'Bad Gateway');
      return sendJson(res, 200, publicView(t), rateHeaders());
    }

    if (method === 'GET' && path === '/payout/transfers') {
      const id = url.searchParams.get('transfer_id');
      const cf = url.searchParams.get('cf_transfer_id');
      const t = id
        ? transfers.get(id)
        : cf
          ? [...transfers.values()].find((x) => x.cf_transfer_id === cf)
          : undefined;
      const beneficiary = t ? beneficiaryOf(t.beneficiary_details) : undefined;
      if (!authorized(req, res, beneficiary)) return;
      if (faults.take('statusTimeouts', beneficiary)) {
        hanging.add(res);
        return;
      }
      if (faults.take('statusErrors', beneficiary))
        return cfError(res, 500, 'api_error', 'internal_server_error', 'Internal Server Error');
      if (faults.take('statusClientErrors', beneficiary))
        return cfError(res, 400, 'invalid_request_error', 'bad_request', 'Request could not be processed');
      if (!id && !cf)
        return cfError(
          res,
          400,
          'invalid_request_error',
          'transfer_id_missing',
          'transfer_id or cf_transfer_id is required',
        );
      if (!t)
        return cfError(
          res,
          404,
          'invalid_request_error',
          id ? 'transfer_id_not_found' : 'cf_transfer_id_not_found',
          'Transfer not found',
        );
      return sendJson(res, 200, publicView(t), rateHeaders());
    }

    if (method === 'GET' && path === '/_sandbox/transfers') {
      return sendJson(res, 200, {
        balancePaise,
        transfers: [...transfers.values()].map((t) => ({ ...publicView(t), create_calls: t._createCalls })),
      });
    }
    if (method === 'GET' && (m = /^\/_sandbox\/transfers\/([^/]+)$/.exec(path))) {
      const t = transfers.get(decodeURIComponent(m[1] ?? ''));
      if (!t) throw new SandboxRequestError(404, 'transfer_id_not_found', 'No such transfer');
      return sendJson(res, 200, { ...publicView(t), create_calls: t._createCalls });
    }
    if (method === 'POST' && (m = /^\/_sandbox\/transfers\/([^/]+)\/status$/.exec(path))) {
      const t = transfers.get(decodeURIComponent(m[1] ?? ''));
      if (!t) throw new SandboxRequestError(404, 'transfer_id_not_found', 'No such transfer');
      const parsed = statusSchema.safeParse(parseJsonObject(await readBody(req)));
      if (!parsed.success)
        throw new SandboxRequestError(400, 'bad_request', parsed.error.issues[0]?.message ?? 'invalid body');
      const { status, status_code: code, status_description: description } = parsed.data;
      // Cashfree changing its mind (a late SUCCESS after FAILED) or a bank returning money days later (REVERSED).
      t._steps = [{ status, status_code: code, status_description: description, afterMs: 0 }];
      advance(t);
      return sendJson(res, 200, publicView(t));
    }
    if (method === 'POST' && (m = /^\/_sandbox\/transfers\/([^/]+)\/advance$/.exec(path))) {
      const t = transfers.get(decodeURIComponent(m[1] ?? ''));
      if (!t) throw new SandboxRequestError(404, 'transfer_id_not_found', 'No such transfer');
      advance(t);
      return sendJson(res, 200, publicView(t));
    }
    if (
      await serveFaultControl(
        faults,
        { schema: faultsSchema, scopeName: 'beneficiary', scope: beneficiaryScope, errorCode: 'bad_request' },
        req,
        res,
        url,
      )
    )
      return;
    if (method === 'GET' && path === '/_sandbox/webhooks') return sendJson(res, 200, { webhooks });
    if (method === 'GET' && path === '/_sandbox/beneficiaries') {
      return sendJson(
        res,
        200,
        Object.fromEntries(Object.entries(TEST_BENEFICIARIES).map(([k, v]) => [k, v.outcome])),
      );
    }
    if (method === 'POST' && path === '/_sandbox/balance') {
      const body = parseJsonObject(await readBody(req));
      const value = body.balancePaise;
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
        throw new SandboxRequestError(400, 'bad_request', 'balancePaise must be a whole number >= 0');
      balancePaise = value;
      persist();
      return sendJson(res, 200, { balancePaise });
    }
    if (method === 'POST' && path === '/_sandbox/reset') {
      transfers.clear();
      webhooks.length = 0;
      for (const k of Object.keys(beneficiaryAttempts)) delete beneficiaryAttempts[k];
      faults.reset();
      balancePaise = o.initialBalancePaise ?? 10_000_000_000;
      persist();
      return sendJson(res, 200, { reset: true });
    }
    return cfError(res, 404, 'invalid_request_error', 'route_not_found', `No route ${method} ${path}`);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof SandboxRequestError)
        return cfError(res, error.status, 'invalid_request_error', error.code, error.message);
      log('sandbox error', { error: (error as Error).message });
      cfError(res, 500, 'api_error', 'internal_server_error', 'Sandbox error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}/payout`,
    port,
    close: async () => {
      closed = true;
      clearInterval(ticker);
      for (const res of hanging) res.destroy();
      persist();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
