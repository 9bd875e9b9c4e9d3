import { z } from 'zod';
import type { Paise } from '../domain/money';
import { toRupeeNumber } from '../domain/money';
import type { PayoutDestination } from '../domain/payment-details';
import { CASHFREE_SIGNATURE_HEADER, cashfreeSignature } from './cashfree-signature';
import { request, UpstreamNetworkError, UpstreamTimeoutError } from './http';

/**
 * Cashfree Payouts v2 (x-api-version 2024-01-01): Standard Transfer V2 and Get Transfer Status V2.
 * Each failure mode is its own error, because each needs a different, money-safe reaction.
 */
export const CASHFREE_API_VERSION = '2024-01-01';

export interface CashfreeConfig {
  /** e.g. https://sandbox.cashfree.com/payout, https://api.cashfree.com/payout, or the local sandbox. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Cashfree's 2FA public key (PEM): when set, every request is signed (shared/clients/cashfree-signature.ts). */
  publicKey?: string;
  timeoutMs: number;
  /**
   * After a 401: re-reads the credentials once and gives a client of the new ones, or null when they did not
   * change (then the 401 stands). Set by shared/config/app-config.ts, so a rotation needs no cold start.
   */
  renew?: () => Promise<CashfreeClient | null>;
}

export const cashfreeTransferSchema = z.looseObject({
  transfer_id: z.string(),
  cf_transfer_id: z.union([z.string(), z.number()]).nullish(),
  status: z.string(),
  status_code: z.string().nullish(),
  status_description: z.string().nullish(),
  transfer_utr: z.string().nullish(),
  transfer_amount: z.number().nullish(),
  transfer_mode: z.string().nullish(),
  added_on: z.string().nullish(),
  updated_on: z.string().nullish(),
});
export type CashfreeTransfer = z.infer<typeof cashfreeTransferSchema>;

const errorBodySchema = z.looseObject({
  type: z.string().optional(),
  code: z.string().optional(),
  message: z.string().optional(),
});

/** Timeout, network error or 5xx: Cashfree may or may not have accepted the transfer. Ask before resending. */
export class CashfreeOutcomeUnknownError extends Error {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CashfreeOutcomeUnknownError';
  }
}

/** 409: that transfer_id exists already. The outcome of our request is whatever Cashfree has for the id. */
export class CashfreeConflictError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'CashfreeConflictError';
  }
}

export class CashfreeRateLimitedError extends Error {
  public constructor(
    message: string,
    public readonly retryAfterSeconds: number,
  ) {
    super(message);
    this.name = 'CashfreeRateLimitedError';
  }
}

/** 400/404/422 on create: Cashfree refused the request itself; sending it again cannot help. */
export class CashfreeRejectedError extends Error {
  public constructor(
    message: string,
    public readonly code: string,
    public readonly httpStatus: number,
  ) {
    super(message);
    this.name = 'CashfreeRejectedError';
  }
}

/** 401/403: credentials, IP whitelist or API access. Operators must act; nothing is retried automatically. */
export class CashfreeAuthError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'CashfreeAuthError';
  }
}

export interface TransferRequest {
  transferId: string;
  amountPaise: Paise;
  destination: PayoutDestination;
  beneficiaryName: string;
  remarks: string;
}

function retryAfterSeconds(headers: Headers): number {
  for (const name of ['retry-after', 'x-ratelimit-retry', 'x-ratelimit-reset']) {
    const value = Number(headers.get(name));
    if (Number.isFinite(value) && value > 0) return Math.min(Math.ceil(value), 3600);
  }
  return 60;
}

export class CashfreeClient {
  public constructor(private readonly config: CashfreeConfig) {}

  private headers(): Record<string, string> {
    return {
      'content-type': 'application/json',
      accept: 'application/json',
      'x-client-id': this.config.clientId,
      'x-client-secret': this.config.clientSecret,
      'x-api-version': CASHFREE_API_VERSION,
      ...(this.config.publicKey
        ? {
            [CASHFREE_SIGNATURE_HEADER]: cashfreeSignature(
              this.config.clientId,
              this.config.publicKey,
              Date.now(),
            ),
          }
        : {}),
    };
  }

  private async call(method: 'GET' | 'POST', path: string, body?: unknown) {
    const res = await this.send(method, path, body);
    // Refused credentials (401, or the v2 OpenAPI's authentication_error under 500): Cashfree did nothing, so
    // sending again (with the same transfer id) is safe.
    const refused =
      res.status === 401 ||
      (res.status >= 500 && errorBodySchema.safeParse(res.json).data?.type === 'authentication_error');
    if (!refused || !this.config.renew) return res;
    const renewed = await this.config.renew();
    return renewed ? renewed.send(method, path, body) : res;
  }

  private async send(method: 'GET' | 'POST', path: string, body?: unknown) {
    try {
      return await request(`${this.config.baseUrl}${path}`, {
        method,
        headers: this.headers(),
        body: body === undefined ? undefined : JSON.stringify(body),
        timeoutMs: this.config.timeoutMs,
      });
    } catch (error) {
      if (error instanceof UpstreamTimeoutError || error instanceof UpstreamNetworkError) {
        throw new CashfreeOutcomeUnknownError(error.message, { cause: error });
      }
      throw error;
    }
  }

  private fail(status: number, headers: Headers, json: unknown, what: string): never {
    const body = errorBodySchema.safeParse(json);
    const code = (body.success ? body.data.code : undefined) ?? 'unknown';
    const message = (body.success ? body.data.message : undefined) ?? `HTTP ${status}`;
    if (status === 401 || status === 403) throw new CashfreeAuthError(`${what}: ${code}: ${message}`);
    if (status === 409) throw new CashfreeConflictError(`${what}: ${code}: ${message}`);
    if (status === 429)
      throw new CashfreeRateLimitedError(`${what}: rate limited`, retryAfterSeconds(headers));
    if (status >= 500) {
      // The v2 OpenAPI lists authentication_error under 500; treat it as auth, not as an outage.
      if (body.success && body.data.type === 'authentication_error')
        throw new CashfreeAuthError(`${what}: ${message}`);
      throw new CashfreeOutcomeUnknownError(`${what}: HTTP ${status} ${code}: ${message}`);
    }
    throw new CashfreeRejectedError(message, code, status);
  }

  public async createTransfer(req: TransferRequest): Promise<CashfreeTransfer> {
    const instrument =
      req.destination.type === 'bank'
        ? { bank_account_number: req.destination.accountNumber, bank_ifsc: req.destination.ifsc }
        : { vpa: req.destination.vpa };
    const body = {
      transfer_id: req.transferId,
      transfer_amount: toRupeeNumber(req.amountPaise),
      transfer_currency: 'INR',
      transfer_mode: req.destination.type === 'upi' ? 'upi' : 'banktransfer',
      beneficiary_details: {
        beneficiary_name:
          req.beneficiaryName
            .replace(/[^A-Za-z ]/g, ' ')
            .replace(/\s+/g, ' ')
            .trim()
            .slice(0, 100) || 'Owner',
        beneficiary_instrument_details: instrument,
      },
      transfer_remarks: req.remarks.replace(/[^A-Za-z0-9 ]/g, ' ').slice(0, 70),
    };
    const res = await this.call('POST', '/transfers', body);
    if (res.status >= 200 && res.status < 300) {
      const parsed = cashfreeTransferSchema.safeParse(res.json);
      // Accepted but unreadable: we cannot tell what Cashfree recorded, so the outcome is unknown.
      if (!parsed.success)
        throw new CashfreeOutcomeUnknownError(`create transfer: unreadable response (${res.status})`);
      return parsed.data;
    }
    return this.fail(res.status, res.headers, res.json, 'create transfer');
  }

  /**
   * The transfer Cashfree has under this id, or null when it has none (404 transfer_id_not_found). Throws
   * CashfreeAuthError, CashfreeRateLimitedError, or CashfreeOutcomeUnknownError for anything else.
   */
  public async getTransfer(transferId: string): Promise<CashfreeTransfer | null> {
    const res = await this.call('GET', `/transfers?transfer_id=${encodeURIComponent(transferId)}`);
    if (res.status === 404) {
      const body = errorBodySchema.safeParse(res.json);
      // Only Cashfree's own "no such transfer" counts as absent; any other 404 (a wrong base URL) is not proof.
      if (body.success && body.data.code === 'transfer_id_not_found') return null;
      throw new CashfreeOutcomeUnknownError(`get transfer: unexpected 404 ${res.text.slice(0, 200)}`);
    }
    if (res.status >= 200 && res.status < 300) {
      const parsed = cashfreeTransferSchema.safeParse(res.json);
      if (!parsed.success)
        throw new CashfreeOutcomeUnknownError(`get transfer: unreadable response (${res.status})`);
      return parsed.data;
    }
    if (res.status === 401 || res.status === 403 || res.status === 429 || res.status >= 500)
      return this.fail(res.status, res.headers, res.json, 'get transfer');
    // Any other refusal of a status read (400, 409, 422...) says nothing about the transfer itself: unknown,
    // never "rejected", so no caller can end an attempt on it.
    throw new CashfreeOutcomeUnknownError(`get transfer: HTTP ${res.status} ${res.text.slice(0, 200)}`);
  }
}
