import { constants, generateKeyPairSync, publicEncrypt } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Env, StandardCheckoutClient, StandardCheckoutPayRequest } from '@phonepe-pg/pg-sdk-node';
import { Cashfree } from 'cashfree-payout';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCashfreeSandbox } from '../../infra/local/sandboxes/cashfree';
import { CashfreeAuthError, CashfreeClient } from '../../shared/clients/cashfree-client';
import { paise } from '../../shared/domain/money';
import { startPhonePeSandbox } from '../../infra/local/sandboxes/phonepe';

/**
 * The official SDKs, pointed at the local sandboxes, prove the sandboxes speak the real protocol:
 * if a path, header, auth scheme or shape drifts, these SDK calls fail.
 */
interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

async function receiver(status = 200) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const waitFor = async (fn: () => boolean) => {
  for (let i = 0; i < 200 && !fn(); i += 1) await new Promise((r) => setTimeout(r, 25));
};

describe('PhonePe sandbox, driven by @phonepe-pg/pg-sdk-node', () => {
  const creds = {
    clientId: 'LOCAL_TEST_CLIENT',
    clientSecret: 'local-test-secret',
    clientVersion: 1,
    merchantId: 'LOCALTEST',
  };
  const hook = { username: 'hook_user', password: 'hookpass123' };
  let sandbox: Awaited<ReturnType<typeof startPhonePeSandbox>>;
  let inbox: Awaited<ReturnType<typeof receiver>>;
  let client: StandardCheckoutClient;

  beforeAll(async () => {
    inbox = await receiver();
    sandbox = await startPhonePeSandbox({
      port: 0,
      ...creds,
      webhook: { url: inbox.url, ...hook },
      timeScale: 0.01,
    });
    client = StandardCheckoutClient.getInstance(
      creds.clientId,
      creds.clientSecret,
      creds.clientVersion,
      Env.SANDBOX,
      false,
    );
    // The SDK's hosts are fixed; send its requests to the sandbox instead.
    client.httpClient.interceptors.request.use((config) => {
      config.url = config.url?.replace('https://api-preprod.phonepe.com/apis/pg-sandbox', sandbox.url);
      return config;
    });
  });
  afterAll(async () => {
    await sandbox?.close();
    await inbox?.close();
  });

  it('creates a payment, reads its status, and validates the webhook the sandbox sends', async () => {
    const merchantOrderId = `SDK_${Date.now()}`;
    const request = StandardCheckoutPayRequest.builder()
      .merchantOrderId(merchantOrderId)
      .amount(150_000)
      .redirectUrl('https://example.com/return')
      .build();
    const created = await client.pay(request);
    expect(created.state).toBe('PENDING');
    expect(created.redirectUrl).toContain(sandbox.url);

    const pending = await client.getOrderStatus(merchantOrderId);
    expect(pending.state).toBe('PENDING');
    expect(pending.amount).toBe(150_000);

    await fetch(`${sandbox.url}/_sandbox/orders/${merchantOrderId}/complete`, { method: 'POST' });
    const completed = await client.getOrderStatus(merchantOrderId, true);
    expect(completed.state).toBe('COMPLETED');
    expect(completed.paymentDetails?.[0]?.state).toBe('COMPLETED');

    await waitFor(() => inbox.received.length > 0);
    const webhook = inbox.received[0]!;
    const callback = client.validateCallback(
      hook.username,
      hook.password,
      String(webhook.headers.authorization),
      webhook.body,
    );
    expect(callback.payload.merchantOrderId).toBe(merchantOrderId);
    expect(callback.payload.state).toBe('COMPLETED');
    expect(() =>
      client.validateCallback(
        hook.username,
        'wrongpass1',
        String(webhook.headers.authorization),
        webhook.body,
      ),
    ).toThrow();
  });

  it("scopes faults to one order: another order's calls neither see nor spend them", async () => {
    const pay = (merchantOrderId: string) =>
      client.pay(
        StandardCheckoutPayRequest.builder()
          .merchantOrderId(merchantOrderId)
          .amount(1_000)
          .redirectUrl('https://example.com/return')
          .build(),
      );
    const scoped = `SDK_SCOPED_${Date.now()}`;
    const other = `SDK_OTHER_${Date.now()}`;
    const control = `${sandbox.url}/_sandbox/faults`;
    const set = await fetch(control, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ merchantOrderId: scoped, payErrors: 1, statusErrors: 1 }),
    });
    expect(await set.json()).toEqual({ merchantOrderId: scoped, payErrors: 1, statusErrors: 1 });
    expect((await pay(other)).state).toBe('PENDING');
    expect((await client.getOrderStatus(other)).state).toBe('PENDING');
    await expect(pay(scoped)).rejects.toMatchObject({ httpStatusCode: 500 });
    expect((await pay(scoped)).state).toBe('PENDING');
    await expect(client.getOrderStatus(scoped)).rejects.toMatchObject({ httpStatusCode: 500 });
    expect((await client.getOrderStatus(scoped)).state).toBe('PENDING');
    expect(await (await fetch(`${control}?merchantOrderId=${scoped}`)).json()).toEqual({
      merchantOrderId: scoped,
      payErrors: 0,
      statusErrors: 0,
    });
    const bad = await fetch(control, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ merchantOrderId: 'not an id', statusErrors: 1 }),
    });
    expect(bad.status).toBe(400);
  });

  it('reports an unknown order the way the SDK expects (an exception, not a body)', async () => {
    await expect(client.getOrderStatus('NO_SUCH_ORDER')).rejects.toMatchObject({ httpStatusCode: 404 });
  });
});

describe('Cashfree sandbox, driven by cashfree-payout', () => {
  const creds = { clientId: 'LOCAL_TEST_CF', clientSecret: 'local_test_cf_secret' };
  let sandbox: Awaited<ReturnType<typeof startCashfreeSandbox>>;
  let inbox: Awaited<ReturnType<typeof receiver>>;

  beforeAll(async () => {
    inbox = await receiver();
    sandbox = await startCashfreeSandbox({ port: 0, ...creds, webhookUrl: inbox.url, timeScale: 0.01 });
    Cashfree.XClientId = creds.clientId;
    Cashfree.XClientSecret = creds.clientSecret;
    Cashfree.XEnvironment = Cashfree.Environment.SANDBOX;
    Cashfree.XEnableErrorAnalytics = false;
    // The SDK builds URLs from Cashfree.basePath: point it at the sandbox.
    Cashfree.basePath = sandbox.url;
  });
  afterAll(async () => {
    await sandbox?.close();
    await inbox?.close();
  });

  it('initiates a transfer, fetches its status, refuses a reused id, and signs webhooks the SDK verifies', async () => {
    const transferId = `SDK_${Date.now()}`;
    const created = await Cashfree.PayoutInitiateTransfer('2024-01-01', undefined, {
      transfer_id: transferId,
      transfer_amount: 100.5,
      transfer_mode: 'banktransfer',
      beneficiary_details: {
        beneficiary_name: 'Asha Verma',
        beneficiary_instrument_details: { bank_account_number: '123456789012', bank_ifsc: 'SBIN0001234' },
      },
    });
    expect(created.status).toBe(200);
    expect(created.data).toMatchObject({
      transfer_id: transferId,
      status: 'RECEIVED',
      transfer_amount: 100.5,
    });

    const fetched = await Cashfree.PayoutFetchTransfer('2024-01-01', undefined, undefined, transferId);
    expect(fetched.data.transfer_id).toBe(transferId);

    await expect(
      Cashfree.PayoutInitiateTransfer('2024-01-01', undefined, {
        transfer_id: transferId,
        transfer_amount: 100.5,
        beneficiary_details: {
          beneficiary_name: 'Asha Verma',
          beneficiary_instrument_details: { bank_account_number: '123456789012', bank_ifsc: 'SBIN0001234' },
        },
      }),
    ).rejects.toMatchObject({ response: { status: 409, data: { code: 'transfer_id_already_exists' } } });

    await waitFor(() => inbox.received.some((r) => r.body.includes('TRANSFER_SUCCESS')));
    const webhook = inbox.received.find((r) => r.body.includes('TRANSFER_SUCCESS'))!;
    const event = Cashfree.PayoutVerifyWebhookSignature(
      String(webhook.headers['x-webhook-signature']),
      webhook.body,
      String(webhook.headers['x-webhook-timestamp']),
    );
    expect(event.type).toBe('TRANSFER_SUCCESS');
    expect((event.object as { data: { transfer_id: string; transfer_utr: string } }).data).toMatchObject({
      transfer_id: transferId,
      transfer_utr: expect.any(String),
    });
  });

  it('spends createAuthFailures on transfer creation only: status reads in between keep working', async () => {
    await fetch(`${sandbox.url.replace(/\/payout$/, '')}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ createAuthFailures: 1 }),
    });
    await expect(
      Cashfree.PayoutFetchTransfer('2024-01-01', undefined, undefined, 'NOPE'),
    ).rejects.toMatchObject({ response: { status: 404 } });
    const transfer = {
      transfer_id: `SDK_AUTH_${Date.now()}`,
      transfer_amount: 10,
      beneficiary_details: {
        beneficiary_name: 'Asha Verma',
        beneficiary_instrument_details: { bank_account_number: '123456789012', bank_ifsc: 'SBIN0001234' },
      },
    };
    await expect(Cashfree.PayoutInitiateTransfer('2024-01-01', undefined, transfer)).rejects.toMatchObject({
      response: { status: 401, data: { code: 'authentication_failed' } },
    });
    expect((await Cashfree.PayoutInitiateTransfer('2024-01-01', undefined, transfer)).status).toBe(200);
  });

  it("scopes faults to one beneficiary: another beneficiary's calls neither see nor spend them", async () => {
    const control = `${sandbox.url.replace(/\/payout$/, '')}/_sandbox/faults`;
    const set = await fetch(control, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        beneficiary: 'asha@okaxis',
        statusErrors: 1,
        rateLimit: { count: 1, retryAfterSeconds: 2 },
      }),
    });
    expect(await set.json()).toEqual({
      beneficiary: 'asha@okaxis',
      statusErrors: 1,
      rateLimit: { count: 1, retryAfterSeconds: 2 },
    });
    const transfer = (id: string, instrument: Record<string, string>) => ({
      transfer_id: id,
      transfer_amount: 10,
      transfer_mode: ('vpa' in instrument ? 'upi' : 'banktransfer') as 'upi' | 'banktransfer',
      beneficiary_details: { beneficiary_name: 'Asha Verma', beneficiary_instrument_details: instrument },
    });
    const other = transfer(`SDK_OTHER_${Date.now()}`, {
      bank_account_number: '123456789012',
      bank_ifsc: 'SBIN0001234',
    });
    const scoped = transfer(`SDK_SCOPED_${Date.now()}`, { vpa: 'asha@okaxis' });
    // The other beneficiary's creation and status read go through untouched.
    expect((await Cashfree.PayoutInitiateTransfer('2024-01-01', undefined, other)).status).toBe(200);
    expect(
      (await Cashfree.PayoutFetchTransfer('2024-01-01', undefined, undefined, other.transfer_id)).status,
    ).toBe(200);
    // The scoped beneficiary's first call meets the 429, its first status read the 500, then both work.
    await expect(Cashfree.PayoutInitiateTransfer('2024-01-01', undefined, scoped)).rejects.toMatchObject({
      response: { status: 429, headers: expect.objectContaining({ 'retry-after': '2' }) },
    });
    expect((await Cashfree.PayoutInitiateTransfer('2024-01-01', undefined, scoped)).status).toBe(200);
    await expect(
      Cashfree.PayoutFetchTransfer('2024-01-01', undefined, undefined, scoped.transfer_id),
    ).rejects.toMatchObject({ response: { status: 500 } });
    expect(
      (await Cashfree.PayoutFetchTransfer('2024-01-01', undefined, undefined, scoped.transfer_id)).status,
    ).toBe(200);
    const left = await (await fetch(`${control}?beneficiary=asha%40okaxis`)).json();
    expect(left).toEqual({
      beneficiary: 'asha@okaxis',
      statusErrors: 0,
      rateLimit: { count: 0, retryAfterSeconds: 2 },
    });
    const bad = await fetch(control, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ beneficiary: 'no spaces allowed', statusErrors: 1 }),
    });
    expect(bad.status).toBe(400);
    const nullScope = await fetch(control, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ beneficiary: null, statusErrors: 1 }),
    });
    expect(nullScope.status).toBe(400);
    expect((await fetch(`${control}?beneficiary=no%20spaces`)).status).toBe(400);
    expect(await (await fetch(control)).json()).not.toHaveProperty('statusErrors');
  });

  it('answers an unknown transfer with 404 transfer_id_not_found', async () => {
    await expect(
      Cashfree.PayoutFetchTransfer('2024-01-01', undefined, undefined, 'NOPE'),
    ).rejects.toMatchObject({ response: { status: 404, data: { code: 'transfer_id_not_found' } } });
  });
});

describe('Cashfree sandbox with Payouts 2FA, driven by cashfree-payout and by the system client', () => {
  const creds = { clientId: 'LOCAL_TEST_CF_2FA', clientSecret: 'local_test_cf_2fa_secret' };
  const keys = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  let sandbox: Awaited<ReturnType<typeof startCashfreeSandbox>>;
  const transfer = (id: string) => ({
    transfer_id: id,
    transfer_amount: 10,
    beneficiary_details: {
      beneficiary_name: 'Asha Verma',
      beneficiary_instrument_details: { bank_account_number: '123456789012', bank_ifsc: 'SBIN0001234' },
    },
  });
  /** Cashfree's documented recipe, written out here on its own: RSA-OAEP of "<clientId>.<unix seconds>". */
  const signatureAt = (unixSeconds: number, clientId = creds.clientId) =>
    publicEncrypt(
      { key: keys.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      Buffer.from(`${clientId}.${unixSeconds}`),
    ).toString('base64');
  const signed = (signature: string) => ({ headers: { 'X-Cf-Signature': signature } });
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    sandbox = await startCashfreeSandbox({
      port: 0,
      ...creds,
      twoFactor: { privateKeyPem: keys.privateKey },
      webhookUrl: null,
      timeScale: 0.01,
    });
    Cashfree.XClientId = creds.clientId;
    Cashfree.XClientSecret = creds.clientSecret;
    Cashfree.XEnvironment = Cashfree.Environment.SANDBOX;
    Cashfree.XEnableErrorAnalytics = false;
    Cashfree.basePath = sandbox.url;
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('accepts the SDK calls that carry a fresh signature, on transfers and status reads', async () => {
    const id = `SDK_2FA_${Date.now()}`;
    const created = await Cashfree.PayoutInitiateTransfer(
      '2024-01-01',
      undefined,
      transfer(id),
      signed(signatureAt(now())),
    );
    expect(created.status).toBe(200);
    const fetched = await Cashfree.PayoutFetchTransfer(
      '2024-01-01',
      undefined,
      undefined,
      id,
      signed(signatureAt(now() - 540)),
    );
    expect(fetched.data.transfer_id).toBe(id);
  });

  it('refuses a missing, wrong or stale signature with 403, and records nothing', async () => {
    const id = `SDK_2FA_REFUSED_${Date.now()}`;
    const refused = (code: string) => ({
      response: { status: 403, data: { type: 'authentication_error', code } },
    });
    await expect(
      Cashfree.PayoutInitiateTransfer('2024-01-01', undefined, transfer(id)),
    ).rejects.toMatchObject(refused('ip_not_whitelisted'));
    await expect(
      Cashfree.PayoutInitiateTransfer(
        '2024-01-01',
        undefined,
        transfer(id),
        signed(signatureAt(now(), 'CF_X')),
      ),
    ).rejects.toMatchObject(refused('signature_mismatch'));
    await expect(
      Cashfree.PayoutInitiateTransfer('2024-01-01', undefined, transfer(id), signed('bm90IGEgc2lnbmF0dXJl')),
    ).rejects.toMatchObject(refused('signature_mismatch'));
    await expect(
      Cashfree.PayoutInitiateTransfer(
        '2024-01-01',
        undefined,
        transfer(id),
        signed(signatureAt(now() - 660)),
      ),
    ).rejects.toMatchObject(refused('signature_expired'));
    await expect(
      Cashfree.PayoutFetchTransfer('2024-01-01', undefined, undefined, id, signed(signatureAt(now() - 660))),
    ).rejects.toMatchObject(refused('signature_expired'));
    const all = (await (
      await fetch(`${sandbox.url.replace(/\/payout$/, '')}/_sandbox/transfers`)
    ).json()) as {
      transfers: { transfer_id: string }[];
    };
    expect(all.transfers.map((t) => t.transfer_id)).not.toContain(id);
  });

  it('the system client signs every call with the public key, and without it is refused', async () => {
    const id = `PAYOUT_2FA_${Date.now()}`;
    const client = new CashfreeClient({
      baseUrl: sandbox.url,
      ...creds,
      publicKey: keys.publicKey,
      timeoutMs: 5000,
    });
    const created = await client.createTransfer({
      transferId: id,
      amountPaise: paise(150_000),
      destination: { type: 'upi', vpa: 'asha@okaxis' },
      beneficiaryName: 'Asha Verma',
      remarks: 'Rent payout test',
    });
    expect(created).toMatchObject({ transfer_id: id, status: 'RECEIVED' });
    expect(await client.getTransfer(id)).toMatchObject({ transfer_id: id });
    const unsigned = new CashfreeClient({ baseUrl: sandbox.url, ...creds, timeoutMs: 5000 });
    await expect(unsigned.getTransfer(id)).rejects.toBeInstanceOf(CashfreeAuthError);
  });
});
