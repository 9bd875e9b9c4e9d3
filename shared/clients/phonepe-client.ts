import { z } from 'zod';
import type { Paise } from '../domain/money';
import { request, UpstreamNetworkError, UpstreamTimeoutError } from './http';

/**
 * PhonePe PG v2 Standard Checkout: OAuth token, create payment, order status.
 * The token is cached per warm Lambda, refreshed at half its life (as PhonePe's SDKs do) and once on a 401.
 */
export interface PhonePeConfig {
  /** https://api.phonepe.com/apis/identity-manager in production; the PG sandbox base in UAT. */
  oauthBaseUrl: string;
  /** https://api.phonepe.com/apis/pg in production. */
  pgBaseUrl: string;
  clientId: string;
  clientSecret: string;
  clientVersion: string;
  timeoutMs: number;
  /**
   * After a 401 (OAuth refusing the credentials, or the API refusing a fresh token): re-reads the credentials
   * once and gives a client of the new ones, or null when they did not change (then the 401 stands). Set by
   * shared/config/app-config.ts, so a rotation needs no cold start.
   */
  renew?: () => Promise<PhonePeClient | null>;
}

export class PhonePeApiError extends Error {
  public constructor(
    message: string,
    public readonly httpStatus: number,
    public readonly code: string,
  ) {
    super(message);
    this.name = 'PhonePeApiError';
  }
}

/** Timeout, network error or 5xx: try again later; nothing is decided on it. */
export class PhonePeUnavailableError extends Error {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PhonePeUnavailableError';
  }
}

const tokenSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().min(1),
  issued_at: z.number().nullish(),
  expires_at: z.number(),
});

const createSchema = z.looseObject({
  orderId: z.string(),
  state: z.string(),
  expireAt: z.number(),
  redirectUrl: z.string(),
});
export type PhonePeCreatedOrder = z.infer<typeof createSchema>;

const paymentDetailSchema = z.looseObject({
  transactionId: z.string().nullish(),
  paymentMode: z.string().nullish(),
  timestamp: z.number().nullish(),
  amount: z.number().nullish(),
  state: z.string().nullish(),
  errorCode: z.string().nullish(),
});

export const orderStatusSchema = z.looseObject({
  merchantOrderId: z.string().nullish(),
  orderId: z.string().nullish(),
  state: z.string(),
  amount: z.number().int(),
  expireAt: z.number().nullish(),
  errorCode: z.string().nullish(),
  detailedErrorCode: z.string().nullish(),
  paymentDetails: z.array(paymentDetailSchema).nullish(),
});
export type PhonePeOrderStatus = z.infer<typeof orderStatusSchema>;

const errorSchema = z.looseObject({ code: z.string().optional(), message: z.string().optional() });

export interface CreatePaymentRequest {
  merchantOrderId: string;
  amountPaise: Paise;
  redirectUrl: string;
  expireAfterSeconds: number;
  message: string;
  udf: Record<string, string>;
}

interface CachedToken {
  header: string;
  refreshAtMs: number;
  expiresAtMs: number;
}

export class PhonePeClient {
  private token: CachedToken | null = null;
  private pendingToken: Promise<CachedToken> | null = null;

  public constructor(
    private readonly config: PhonePeConfig,
    private readonly now: () => number = Date.now,
  ) {}

  private async send(url: string, init: RequestInit) {
    try {
      return await request(url, { ...init, timeoutMs: this.config.timeoutMs });
    } catch (error) {
      if (error instanceof UpstreamTimeoutError || error instanceof UpstreamNetworkError) {
        throw new PhonePeUnavailableError(error.message, { cause: error });
      }
      throw error;
    }
  }

  private async fetchToken(): Promise<CachedToken> {
    const form = new URLSearchParams({
      client_id: this.config.clientId,
      client_version: this.config.clientVersion,
      client_secret: this.config.clientSecret,
      grant_type: 'client_credentials',
    });
    const res = await this.send(`${this.config.oauthBaseUrl}/v1/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
    });
    if (res.status >= 500) throw new PhonePeUnavailableError(`PhonePe OAuth answered ${res.status}`);
    const parsed = tokenSchema.safeParse(res.json);
    if (res.status !== 200 || !parsed.success) {
      const err = errorSchema.safeParse(res.json);
      throw new PhonePeApiError(
        `PhonePe OAuth failed: ${(err.success && err.data.message) || `HTTP ${res.status}`}`,
        res.status,
        (err.success && err.data.code) || 'OAUTH_FAILED',
      );
    }
    const nowMs = this.now();
    const expiresAtMs = parsed.data.expires_at * 1000;
    const issuedAtMs = (parsed.data.issued_at ?? Math.floor(nowMs / 1000)) * 1000;
    return {
      header: `${parsed.data.token_type} ${parsed.data.access_token}`,
      refreshAtMs: issuedAtMs + (expiresAtMs - issuedAtMs) / 2,
      expiresAtMs,
    };
  }

  private async authorization(forceRefresh = false): Promise<string> {
    if (!forceRefresh && this.token && this.now() < this.token.refreshAtMs) return this.token.header;
    // One refresh at a time per container, however many requests arrive together.
    this.pendingToken ??= this.fetchToken().finally(() => {
      this.pendingToken = null;
    });
    this.token = await this.pendingToken;
    return this.token.header;
  }

  private async authorized(url: string, init: RequestInit) {
    let refused: PhonePeApiError | Awaited<ReturnType<PhonePeClient['send']>>;
    try {
      const res = await this.withToken(url, init);
      if (res.status !== 401) return res;
      refused = res;
    } catch (error) {
      if (!(error instanceof PhonePeApiError && error.httpStatus === 401)) throw error;
      refused = error;
    }
    const renewed = this.config.renew ? await this.config.renew() : null;
    if (renewed) return renewed.withToken(url, init);
    if (refused instanceof PhonePeApiError) throw refused;
    return refused;
  }

  private async withToken(url: string, init: RequestInit) {
    const once = async (force: boolean) =>
      this.send(url, {
        ...init,
        headers: { ...(init.headers ?? {}), authorization: await this.authorization(force) },
      });
    let res = await once(false);
    if (res.status === 401) res = await once(true);
    return res;
  }

  private failure(res: { status: number; json: unknown }, what: string): never {
    if (res.status >= 500 || res.status === 429)
      throw new PhonePeUnavailableError(`${what}: PhonePe answered ${res.status}`);
    const err = errorSchema.safeParse(res.json);
    throw new PhonePeApiError(
      `${what}: ${(err.success && err.data.message) || `HTTP ${res.status}`}`,
      res.status,
      (err.success && err.data.code) || `HTTP_${res.status}`,
    );
  }

  public async createPayment(req: CreatePaymentRequest): Promise<PhonePeCreatedOrder> {
    const body = {
      merchantOrderId: req.merchantOrderId,
      amount: req.amountPaise,
      expireAfter: req.expireAfterSeconds,
      metaInfo: req.udf,
      paymentFlow: {
        type: 'PG_CHECKOUT',
        message: req.message,
        merchantUrls: { redirectUrl: req.redirectUrl },
      },
    };
    const res = await this.authorized(`${this.config.pgBaseUrl}/checkout/v2/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 200) return this.failure(res, 'create payment');
    const parsed = createSchema.safeParse(res.json);
    if (!parsed.success)
      throw new PhonePeUnavailableError('create payment: unreadable response from PhonePe');
    return parsed.data;
  }

  public async getOrderStatus(merchantOrderId: string): Promise<PhonePeOrderStatus> {
    const res = await this.authorized(
      `${this.config.pgBaseUrl}/checkout/v2/order/${encodeURIComponent(merchantOrderId)}/status?details=false`,
      { method: 'GET', headers: { accept: 'application/json' } },
    );
    if (res.status !== 200) return this.failure(res, 'order status');
    const parsed = orderStatusSchema.safeParse(res.json);
    if (!parsed.success) throw new PhonePeUnavailableError('order status: unreadable response from PhonePe');
    return parsed.data;
  }
}
