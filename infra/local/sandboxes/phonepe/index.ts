import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import {
  delay,
  deliverWebhook,
  loadJson,
  parseJsonObject,
  readBody,
  saveJson,
  sendHtml,
  sendJson,
  SandboxRequestError,
} from '../http-util';
import { FaultBook, serveFaultControl } from '../faults';

/**
 * The local PhonePe PG v2 (Standard Checkout) sandbox: the real paths, headers and shapes for OAuth, create
 * payment and order status, a checkout page a person can use, webhooks with PhonePe's Authorization header,
 * and a control surface under /_sandbox/ (docs/sandboxes/phonepe.md).
 */
export interface PhonePeSandboxOptions {
  port: number;
  host?: string;
  clientId: string;
  clientSecret: string;
  clientVersion: number;
  merchantId: string;
  webhook: { url: string; username: string; password: string } | null;
  publicBaseUrl?: string;
  timeScale?: number;
  tokenTtlSeconds?: number;
  dataFile?: string;
  log?: (msg: string, data?: Record<string, unknown>) => void;
}

type OrderState = 'PENDING' | 'COMPLETED' | 'FAILED';

interface PaymentDetail {
  transactionId: string;
  paymentMode: string;
  timestamp: number;
  amount: number;
  payableAmount: number;
  feeAmount: number;
  state: OrderState;
  errorCode?: string;
  detailedErrorCode?: string;
}

interface Order {
  merchantOrderId: string;
  orderId: string;
  amount: number;
  expireAt: number;
  state: OrderState;
  metaInfo: Record<string, string>;
  redirectUrl: string;
  createdAt: number;
  paymentDetails: PaymentDetail[];
  errorCode?: string;
  detailedErrorCode?: string;
}

interface WebhookAttempt {
  merchantOrderId: string;
  event: string;
  delivery: number;
  at: string;
  attempt: number;
  status: number | null;
  error?: string;
}

export const phonePeFaultsSchema = z.strictObject({
  statusDelayMs: z.number().int().min(0).max(120_000).optional(),
  statusErrors: z.number().int().min(0).max(1000).optional(),
  // Up to 100 000: an outage that lasts a whole benchmark window (npm run bench:webhook, BENCH_STATUS=timeout).
  statusTimeouts: z.number().int().min(0).max(100_000).optional(),
  payErrors: z.number().int().min(0).max(1000).optional(),
  dropWebhooks: z.number().int().min(0).max(1000).optional(),
  duplicateWebhooks: z.number().int().min(0).max(50).optional(),
  webhookDelayMs: z.number().int().min(0).max(120_000).optional(),
});
type Faults = Required<z.infer<typeof phonePeFaultsSchema>>;
// With merchantOrderId, the faults apply only to calls about that order (its pay request, status reads and
// webhooks), so another order's reconciliation or webhook cannot use them up.
const merchantOrderIdScope = z.string().regex(/^[A-Za-z0-9_-]{1,63}$/, 'a merchantOrderId');
const NO_FAULTS: Faults = {
  statusDelayMs: 0,
  statusErrors: 0,
  statusTimeouts: 0,
  payErrors: 0,
  dropWebhooks: 0,
  duplicateWebhooks: 0,
  webhookDelayMs: 0,
};

const payRequestSchema = z.looseObject({
  merchantOrderId: z
    .string()
    .min(1)
    .max(63)
    .regex(/^[A-Za-z0-9_-]+$/, 'merchantOrderId may contain only letters, digits, _ and -'),
  amount: z.number().int().min(100, 'amount must be at least 100 paise'),
  expireAfter: z.number().int().min(300).max(3600).optional(),
  metaInfo: z.record(z.string(), z.string().max(256)).optional(),
  paymentFlow: z.looseObject({
    type: z.literal('PG_CHECKOUT'),
    message: z.string().optional(),
    merchantUrls: z.looseObject({ redirectUrl: z.string().url() }),
  }),
});

// `amount`: complete the order reporting another amount than the one it was created with (a mismatch).
const settleBodySchema = z.strictObject({ amount: z.number().int().min(1).max(1e12).optional() });

function phonePeError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { success: false, code, message, data: {} });
}

// Retries of a webhook PhonePe could not deliver (unpublished by PhonePe; documented as the sandbox's choice).
const WEBHOOK_BACKOFF_MS = [1000, 2000, 4000, 8000];

export async function startPhonePeSandbox(
  o: PhonePeSandboxOptions,
): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const host = o.host ?? '127.0.0.1';
  const scale = o.timeScale ?? 1;
  const log = o.log ?? (() => undefined);
  const saved = loadJson<{ orders: Order[]; webhooks: WebhookAttempt[] }>(o.dataFile);
  const orders = new Map<string, Order>((saved?.orders ?? []).map((x) => [x.merchantOrderId, x]));
  const webhooks: WebhookAttempt[] = saved?.webhooks ?? [];
  const tokens = new Map<string, number>();
  const faults = new FaultBook<Faults>(() => ({ ...NO_FAULTS }));
  let closed = false;
  let deliveries = 0;
  const hanging = new Set<ServerResponse>();
  const persist = () =>
    saveJson(o.dataFile, { orders: [...orders.values()], webhooks: webhooks.slice(-1000) });
  let baseUrl = '';

  const expire = (order: Order) => {
    if (order.state === 'PENDING' && Date.now() > order.expireAt) {
      // PhonePe documents PENDING/COMPLETED/FAILED only; an order nobody paid reads FAILED after expiry.
      order.state = 'FAILED';
      order.errorCode = 'TXN_AUTO_FAILED';
      order.detailedErrorCode = 'ORDER_EXPIRED';
      persist();
      void sendWebhook(order);
    }
  };

  const orderStatusBody = (order: Order) => ({
    merchantId: o.merchantId,
    merchantOrderId: order.merchantOrderId,
    orderId: order.orderId,
    state: order.state,
    amount: order.amount,
    payableAmount: order.amount,
    feeAmount: 0,
    expireAt: order.expireAt,
    metaInfo: order.metaInfo,
    ...(order.errorCode ? { errorCode: order.errorCode, detailedErrorCode: order.detailedErrorCode } : {}),
    paymentDetails: order.paymentDetails,
  });

  const webhookAuthorization = () =>
    o.webhook ? createHash('sha256').update(`${o.webhook.username}:${o.webhook.password}`).digest('hex') : '';

  async function sendWebhook(
    order: Order,
    refund?: { merchantRefundId: string; amount: number; state: string },
  ): Promise<void> {
    if (!o.webhook) return;
    const event = refund
      ? `pg.refund.${refund.state === 'COMPLETED' ? 'completed' : refund.state === 'FAILED' ? 'failed' : 'accepted'}`
      : order.state === 'COMPLETED'
        ? 'checkout.order.completed'
        : 'checkout.order.failed';
    if (faults.take('dropWebhooks', order.merchantOrderId)) {
      webhooks.push({
        merchantOrderId: order.merchantOrderId,
        event,
        delivery: ++deliveries,
        at: new Date().toISOString(),
        attempt: 0,
        status: null,
        error: 'dropped (fault)',
      });
      persist();
      return;
    }
    const copies = 1 + faults.takeAll('duplicateWebhooks', order.merchantOrderId);
    const payload = refund
      ? {
          merchantId: o.merchantId,
          merchantRefundId: refund.merchantRefundId,
          originalMerchantOrderId: order.merchantOrderId,
          refundId: `OMR${randomBytes(8).toString('hex')}`,
          amount: refund.amount,
          state: refund.state,
          timestamp: Date.now(),
        }
      : orderStatusBody(order);
    const body = JSON.stringify({ event, type: event.toUpperCase().replace(/\./g, '_'), payload });
    const webhookDelayMs = faults.value('webhookDelayMs', order.merchantOrderId) ?? 0;
    if (webhookDelayMs > 0) await delay(webhookDelayMs);
    await Promise.all(
      Array.from({ length: copies }, () => {
        const delivery = ++deliveries;
        return deliverWebhook({
          url: o.webhook?.url ?? '',
          headers: { 'content-type': 'application/json', authorization: webhookAuthorization() },
          body,
          backoffMs: WEBHOOK_BACKOFF_MS.map((ms) => ms * scale),
          isClosed: () => closed,
          record: (a) => {
            webhooks.push({ merchantOrderId: order.merchantOrderId, event, delivery, ...a });
            persist();
            log('webhook', { merchantOrderId: order.merchantOrderId, event, status: a.status });
          },
        });
      }),
    );
  }

  /** `collected`: the amount PhonePe reports for the order from now on (an amount mismatch), if not its own. */
  function settle(order: Order, state: 'COMPLETED' | 'FAILED', collected?: number): void {
    expire(order);
    if (order.state !== 'PENDING')
      throw new SandboxRequestError(
        409,
        'ORDER_NOT_PENDING',
        `Order ${order.merchantOrderId} is ${order.state}`,
      );
    order.state = state;
    if (collected !== undefined) order.amount = collected;
    order.paymentDetails.push({
      transactionId: `OM${Date.now()}${randomBytes(3).toString('hex')}`,
      paymentMode: 'UPI_INTENT',
      timestamp: Date.now(),
      amount: order.amount,
      payableAmount: order.amount,
      feeAmount: 0,
      state,
      ...(state === 'FAILED' ? { errorCode: 'PAYMENT_DECLINED', detailedErrorCode: 'USER_DECLINED' } : {}),
    });
    if (state === 'FAILED') {
      order.errorCode = 'PAYMENT_DECLINED';
      order.detailedErrorCode = 'USER_DECLINED';
    }
    persist();
    void sendWebhook(order);
  }

  function bearer(req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? '';
    const m = /^O-Bearer (.+)$/.exec(header);
    const exp = m?.[1] ? tokens.get(m[1]) : undefined;
    return exp !== undefined && Date.now() < exp;
  }

  const findOrder = (id: string) => {
    const order = orders.get(decodeURIComponent(id));
    if (!order) throw new SandboxRequestError(404, 'ORDER_NOT_FOUND', 'No order with that merchantOrderId');
    expire(order);
    return order;
  };
  const byOrderId = (orderId: string) => [...orders.values()].find((x) => x.orderId === orderId);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', baseUrl);
    const method = req.method ?? 'GET';
    const path = url.pathname;
    let m: RegExpExecArray | null;

    if (method === 'POST' && path === '/v1/oauth/token') {
      const form = new URLSearchParams(await readBody(req));
      if (form.get('grant_type') !== 'client_credentials')
        return phonePeError(res, 400, 'BAD_REQUEST', 'grant_type must be client_credentials');
      if (
        form.get('client_id') !== o.clientId ||
        form.get('client_secret') !== o.clientSecret ||
        form.get('client_version') !== String(o.clientVersion)
      ) {
        return phonePeError(res, 401, 'UNAUTHORIZED', 'Invalid client credentials');
      }
      const token = randomBytes(24).toString('base64url');
      const issuedAt = Math.floor(Date.now() / 1000);
      const expiresAt = issuedAt + (o.tokenTtlSeconds ?? 3600);
      tokens.set(token, expiresAt * 1000);
      return sendJson(res, 200, {
        access_token: token,
        encrypted_access_token: token,
        expires_in: null,
        issued_at: issuedAt,
        expires_at: expiresAt,
        session_expires_at: expiresAt,
        token_type: 'O-Bearer',
      });
    }

    if (method === 'POST' && path === '/checkout/v2/pay') {
      if (!bearer(req)) return phonePeError(res, 401, 'UNAUTHORIZED', 'Invalid or expired O-Bearer token');
      const raw = parseJsonObject(await readBody(req));
      const orderId = typeof raw.merchantOrderId === 'string' ? raw.merchantOrderId : undefined;
      if (faults.take('payErrors', orderId))
        return phonePeError(res, 500, 'INTERNAL_SERVER_ERROR', 'Injected fault');
      const parsed = payRequestSchema.safeParse(raw);
      if (!parsed.success)
        return phonePeError(
          res,
          400,
          'BAD_REQUEST',
          parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        );
      const body = parsed.data;
      const existing = orders.get(body.merchantOrderId);
      if (existing) {
        // A repeated create with the same order and amount returns the same order; anything else is refused.
        if (existing.amount !== body.amount)
          return phonePeError(
            res,
            409,
            'DUPLICATE_ORDER',
            'merchantOrderId already used with another amount',
          );
        return sendJson(res, 200, {
          orderId: existing.orderId,
          state: existing.state,
          expireAt: existing.expireAt,
          redirectUrl: `${baseUrl}/checkout/pay/${existing.orderId}`,
        });
      }
      const order: Order = {
        merchantOrderId: body.merchantOrderId,
        orderId: `OMO${Date.now()}${randomBytes(4).toString('hex').toUpperCase()}`,
        amount: body.amount,
        expireAt: Date.now() + Math.round((body.expireAfter ?? 1200) * 1000 * scale),
        state: 'PENDING',
        metaInfo: body.metaInfo ?? {},
        redirectUrl: body.paymentFlow.merchantUrls.redirectUrl,
        createdAt: Date.now(),
        paymentDetails: [],
      };
      orders.set(order.merchantOrderId, order);
      persist();
      return sendJson(res, 200, {
        orderId: order.orderId,
        state: order.state,
        expireAt: order.expireAt,
        redirectUrl: `${baseUrl}/checkout/pay/${order.orderId}`,
      });
    }

    if (method === 'GET' && (m = /^\/checkout\/v2\/order\/([^/]+)\/status$/.exec(path))) {
      if (!bearer(req)) return phonePeError(res, 401, 'UNAUTHORIZED', 'Invalid or expired O-Bearer token');
      const merchantOrderId = m[1] ?? '';
      if (faults.take('statusTimeouts', merchantOrderId)) {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return; // never answers: the client's timeout decides
      }
      const statusDelayMs = faults.value('statusDelayMs', merchantOrderId) ?? 0;
      if (statusDelayMs > 0) await delay(statusDelayMs);
      if (faults.take('statusErrors', merchantOrderId))
        return phonePeError(res, 500, 'INTERNAL_SERVER_ERROR', 'Injected fault');
      const order = findOrder(merchantOrderId);
      const body = orderStatusBody(order);
      if (url.searchParams.get('details') !== 'true') body.paymentDetails = order.paymentDetails.slice(-1);
      return sendJson(res, 200, body);
    }

    if (method === 'GET' && (m = /^\/checkout\/pay\/([^/]+)$/.exec(path))) {
      const order = byOrderId(m[1] ?? '');
      if (!order) return sendHtml(res, 404, '<h1>Order not found</h1>');
      expire(order);
      const rupees = (order.amount / 100).toFixed(2);
      return sendHtml(
        res,
        200,
        `<!doctype html><html><head><meta charset="utf-8"><title>PhonePe sandbox checkout</title></head><body style="font-family:sans-serif;max-width:32em;margin:3em auto">
<h1>PhonePe sandbox</h1><p>Order <code>${order.merchantOrderId}</code>: <strong>₹${rupees}</strong> (${order.state})</p>
${
  order.state === 'PENDING'
    ? `<form method="post" action="/checkout/pay/${order.orderId}/pay"><button>Pay ₹${rupees}</button></form>
<form method="post" action="/checkout/pay/${order.orderId}/fail"><button>Fail the payment</button></form>
<p><a href="${order.redirectUrl}">Walk away</a> (the order expires at ${new Date(order.expireAt).toISOString()})</p>`
    : `<p><a href="${order.redirectUrl}">Back to the merchant</a></p>`
}
</body></html>`,
      );
    }
    if (method === 'POST' && (m = /^\/checkout\/pay\/([^/]+)\/(pay|fail)$/.exec(path))) {
      const order = byOrderId(m[1] ?? '');
      if (!order) return sendHtml(res, 404, '<h1>Order not found</h1>');
      settle(order, m[2] === 'pay' ? 'COMPLETED' : 'FAILED');
      res.writeHead(303, { location: order.redirectUrl });
      return void res.end();
    }

    // Control surface.
    if (method === 'GET' && path === '/_sandbox/orders')
      return sendJson(res, 200, { orders: [...orders.values()].map((x) => (expire(x), x)) });
    if (method === 'GET' && (m = /^\/_sandbox\/orders\/([^/]+)$/.exec(path)))
      return sendJson(res, 200, findOrder(m[1] ?? ''));
    if (method === 'POST' && (m = /^\/_sandbox\/orders\/([^/]+)\/(complete|fail)$/.exec(path))) {
      const order = findOrder(m[1] ?? '');
      const body = settleBodySchema.safeParse(parseJsonObject(await readBody(req)));
      if (!body.success)
        throw new SandboxRequestError(
          400,
          'BAD_REQUEST',
          body.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
        );
      settle(order, m[2] === 'complete' ? 'COMPLETED' : 'FAILED', body.data.amount);
      return sendJson(res, 200, order);
    }
    if (method === 'POST' && (m = /^\/_sandbox\/orders\/([^/]+)\/refund$/.exec(path))) {
      const order = findOrder(m[1] ?? '');
      const body = parseJsonObject(await readBody(req));
      const state = typeof body.state === 'string' ? body.state : 'COMPLETED';
      if (!['ACCEPTED', 'COMPLETED', 'FAILED'].includes(state))
        throw new SandboxRequestError(400, 'BAD_REQUEST', 'state must be ACCEPTED, COMPLETED or FAILED');
      const refund = {
        merchantRefundId:
          typeof body.merchantRefundId === 'string'
            ? body.merchantRefundId
            : `REF_${randomUUID().slice(0, 8)}`,
        amount: order.amount,
        state,
      };
      void sendWebhook(order, refund);
      return sendJson(res, 202, refund);
    }
    if (method === 'GET' && path === '/_sandbox/webhooks') return sendJson(res, 200, { webhooks });
    if (
      await serveFaultControl(
        faults,
        {
          schema: phonePeFaultsSchema,
          scopeName: 'merchantOrderId',
          scope: merchantOrderIdScope,
          errorCode: 'BAD_REQUEST',
        },
        req,
        res,
        url,
      )
    )
      return;
    if (method === 'POST' && path === '/_sandbox/reset') {
      orders.clear();
      webhooks.length = 0;
      faults.reset();
      persist();
      return sendJson(res, 200, { reset: true });
    }
    return phonePeError(res, 404, 'NOT_FOUND', `No route ${method} ${path}`);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof SandboxRequestError)
        return phonePeError(res, error.status, error.code, error.message);
      log('sandbox error', { error: (error as Error).message });
      phonePeError(res, 500, 'INTERNAL_SERVER_ERROR', 'Sandbox error');
    });
  });
  // Orders nobody pays expire on their own, and PhonePe then reports them failed.
  const sweeper = setInterval(() => {
    for (const order of orders.values()) expire(order);
  }, 1000);
  sweeper.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = o.publicBaseUrl ?? `http://${host}:${port}`;
  log('listening', { url: baseUrl });
  return {
    url: baseUrl,
    port,
    close: async () => {
      closed = true;
      clearInterval(sweeper);
      for (const res of hanging) res.destroy();
      persist();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
