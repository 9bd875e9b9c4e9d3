import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCashfreeSandbox } from '../../infra/local/sandboxes/cashfree';
import { startPhonePeSandbox } from '../../infra/local/sandboxes/phonepe';
import { CashfreeAuthError } from '../../shared/clients/cashfree-client';
import { PhonePeApiError } from '../../shared/clients/phonepe-client';
import {
  cashfreeClientFactory,
  cashfreeSecretSchema,
  phonePeClientFactory,
  phonePeSecretSchema,
} from '../../shared/config/app-config';
import { cachedSecret, secretFileReader } from '../../shared/config/secrets';
import { paise } from '../../shared/domain/money';

/**
 * A credentials rotation seen by warm functions: the secret (a file, the local stand-in for Secrets Manager) and
 * the provider (the sandboxes) hold the new credentials while the function still has the old ones. The first
 * 401 re-reads the secret once and the call goes through with a client of the new credentials; when the secret
 * has not changed, the 401 stands after exactly one re-read.
 */
const dir = mkdtempSync(join(tmpdir(), 'rent-payout-rotation-'));
const current = {
  cashfree: { clientId: 'CF_ROTATED_ID', clientSecret: 'cf-rotated-secret-0123456789' },
  phonepe: {
    clientId: 'PG_ROTATED_ID',
    clientSecret: 'pg-rotated-secret-0123456789',
    clientVersion: '1',
    webhookUsername: 'hook_rotated',
    webhookPassword: 'hookpass42',
  },
};
const old = {
  cashfree: { clientId: 'CF_OLD_ID', clientSecret: 'cf-old-secret-0123456789' },
  phonepe: { ...current.phonepe, clientId: 'PG_OLD_ID', clientSecret: 'pg-old-secret-0123456789' },
};
let cashfreeUrl = '';
let phonepeUrl = '';
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  const cashfree = await startCashfreeSandbox({
    port: 0,
    ...current.cashfree,
    webhookUrl: null,
    timeScale: 0.01,
  });
  const phonepe = await startPhonePeSandbox({
    port: 0,
    clientId: current.phonepe.clientId,
    clientSecret: current.phonepe.clientSecret,
    clientVersion: 1,
    merchantId: 'ROTATIONTEST',
    webhook: null,
    timeScale: 0.01,
  });
  closers.push(
    () => cashfree.close(),
    () => phonepe.close(),
  );
  cashfreeUrl = cashfree.url;
  phonepeUrl = phonepe.url;
});
afterAll(async () => {
  for (const close of closers) await close();
});

/** A secret file holding `value`, read through the real reader, counting the reads. */
function secretFile<T>(name: string, value: T) {
  const file = join(dir, `${name}-${Math.random().toString(36).slice(2)}.json`);
  const write = (v: T) => writeFileSync(file, JSON.stringify(v));
  write(value);
  const reader = secretFileReader(file);
  const counter = { reads: 0, write };
  const read = async (n: string) => {
    counter.reads += 1;
    return reader(n);
  };
  return { counter, read };
}

const transfer = (transferId: string) => ({
  transferId,
  amountPaise: paise(150_000),
  destination: {
    type: 'bank' as const,
    accountNumber: '123456789012',
    ifsc: 'HDFC0001234',
    bankName: 'HDFC',
  },
  beneficiaryName: 'Asha Verma',
  remarks: 'Rent',
});

describe('Cashfree: a 401 re-reads the credentials secret once', () => {
  it('with a rotated secret: succeeds after one re-read, and later calls use the new client', async () => {
    const { counter, read } = secretFile('CASHFREE', old.cashfree);
    const secret = cachedSecret('CASHFREE', cashfreeSecretSchema, { read, maxAgeSeconds: 300 });
    const factory = cashfreeClientFactory(secret, { CASHFREE_BASE_URL: cashfreeUrl });
    const before = await factory();
    expect(counter.reads).toBe(1);
    counter.write(current.cashfree);

    const created = await before.createTransfer(transfer('PAYOUT_ROTATION_1'));
    expect(created.transfer_id).toBe('PAYOUT_ROTATION_1');
    expect(counter.reads).toBe(2);
    const after = await factory();
    expect(after).not.toBe(before);
    expect(await after.getTransfer('PAYOUT_ROTATION_1')).toMatchObject({ transfer_id: 'PAYOUT_ROTATION_1' });
    expect(counter.reads).toBe(2);
  });

  it('with the same secret: fails with the 401 after exactly one re-read', async () => {
    const { counter, read } = secretFile('CASHFREE', old.cashfree);
    const secret = cachedSecret('CASHFREE', cashfreeSecretSchema, { read, maxAgeSeconds: 300 });
    const client = await cashfreeClientFactory(secret, { CASHFREE_BASE_URL: cashfreeUrl })();
    await expect(client.getTransfer('PAYOUT_ROTATION_2')).rejects.toBeInstanceOf(CashfreeAuthError);
    expect(counter.reads).toBe(2);
  });
});

describe('PhonePe: a 401 re-reads the credentials secret once', () => {
  const env = () => ({ PHONEPE_OAUTH_BASE_URL: phonepeUrl, PHONEPE_PG_BASE_URL: phonepeUrl });
  const order = (merchantOrderId: string) => ({
    merchantOrderId,
    amountPaise: paise(150_000),
    redirectUrl: 'http://127.0.0.1/payment-complete',
    expireAfterSeconds: 1200,
    message: 'Rent 2030-01',
    udf: {},
  });

  it('with a rotated secret: succeeds after one re-read', async () => {
    const { counter, read } = secretFile('PHONEPE', old.phonepe);
    const secret = cachedSecret('PHONEPE', phonePeSecretSchema, { read, maxAgeSeconds: 300 });
    const factory = phonePeClientFactory(secret, env());
    const before = await factory();
    counter.write(current.phonepe);
    const created = await before.createPayment(order('RENT_ROTATION_1'));
    expect(created.orderId).toEqual(expect.any(String));
    expect(counter.reads).toBe(2);
    expect(await factory()).not.toBe(before);
  });

  it('with the same secret: fails with the 401 after exactly one re-read', async () => {
    const { counter, read } = secretFile('PHONEPE', old.phonepe);
    const secret = cachedSecret('PHONEPE', phonePeSecretSchema, { read, maxAgeSeconds: 300 });
    const client = await phonePeClientFactory(secret, env())();
    const error = await client.getOrderStatus('RENT_ROTATION_2').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PhonePeApiError);
    expect((error as PhonePeApiError).httpStatus).toBe(401);
    expect(counter.reads).toBe(2);
  });
});
