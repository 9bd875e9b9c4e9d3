import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PhonePeApiError, PhonePeClient, PhonePeUnavailableError } from '../../shared/clients/phonepe-client';

/**
 * The production PhonePe client against a scripted HTTP peer: how often it asks for a token, what it does on a
 * 401, timeouts and errors. (Its shapes against the sandbox are covered by the end-to-end tests.)
 */
let url = '';
let oauthCalls = 0;
let tokenSerial = 0;
let rejectAll = false;
const issuedTokens: string[] = [];
let rejectTokens = new Set<string>();
let statusDelayMs = 0;
const tokenLifetime = 3600;
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const send = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/v1/oauth/token') {
      oauthCalls += 1;
      const form = new URLSearchParams(Buffer.concat(chunks).toString());
      if (form.get('client_secret') !== 'secret')
        return send(401, { code: 'UNAUTHORIZED', message: 'bad client' });
      tokenSerial += 1;
      const token = `t${tokenSerial}`;
      issuedTokens.push(token);
      const now = Math.floor(Date.now() / 1000);
      return send(200, {
        access_token: token,
        token_type: 'O-Bearer',
        issued_at: now,
        expires_at: now + tokenLifetime,
      });
    }
    const token = /^O-Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    if (rejectAll || !issuedTokens.includes(token) || rejectTokens.has(token))
      return send(401, { code: 'UNAUTHORIZED', message: 'token' });
    setTimeout(() => send(200, { merchantOrderId: 'RENT_X', state: 'PENDING', amount: 100 }), statusDelayMs);
  });
});

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function client(now: () => number = Date.now, secret = 'secret') {
  return new PhonePeClient(
    {
      oauthBaseUrl: url,
      pgBaseUrl: url,
      clientId: 'id',
      clientSecret: secret,
      clientVersion: '1',
      timeoutMs: 500,
    },
    now,
  );
}

describe('PhonePe client OAuth token', () => {
  it('asks for one token for many calls, also concurrent ones, while the token is fresh', async () => {
    oauthCalls = 0;
    const c = client();
    await Promise.all([c.getOrderStatus('RENT_X'), c.getOrderStatus('RENT_X'), c.getOrderStatus('RENT_X')]);
    await c.getOrderStatus('RENT_X');
    expect(oauthCalls).toBe(1);
  });

  it('refreshes at half the token life, before it expires', async () => {
    oauthCalls = 0;
    let clock = Date.now();
    const c = client(() => clock);
    await c.getOrderStatus('RENT_X');
    clock += 1799_000;
    await c.getOrderStatus('RENT_X');
    expect(oauthCalls).toBe(1);
    clock += 2_000;
    await c.getOrderStatus('RENT_X');
    expect(oauthCalls).toBe(2);
  });

  it('refreshes once on a 401 and then succeeds', async () => {
    oauthCalls = 0;
    const c = client();
    await c.getOrderStatus('RENT_X');
    rejectTokens = new Set(issuedTokens);
    const status = await c.getOrderStatus('RENT_X');
    expect(status.state).toBe('PENDING');
    expect(oauthCalls).toBe(2);
    rejectTokens = new Set();
  });

  it('does not loop on a 401 that a fresh token does not cure', async () => {
    const c = client();
    await c.getOrderStatus('RENT_X');
    const before = oauthCalls;
    rejectAll = true;
    await expect(c.getOrderStatus('RENT_X')).rejects.toBeInstanceOf(PhonePeApiError);
    rejectAll = false;
    expect(oauthCalls - before).toBe(1);
  });

  it('reports bad credentials as an API error and a slow PhonePe as unavailable', async () => {
    await expect(client(Date.now, 'wrong').getOrderStatus('RENT_X')).rejects.toBeInstanceOf(PhonePeApiError);
    const c = client();
    await c.getOrderStatus('RENT_X');
    statusDelayMs = 1000;
    await expect(c.getOrderStatus('RENT_X')).rejects.toBeInstanceOf(PhonePeUnavailableError);
    statusDelayMs = 0;
  });
});
