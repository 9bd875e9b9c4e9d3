import { describe, expect, it } from 'vitest';
import type { CashfreeSecret } from '../../shared/config/app-config';
import {
  cashfreeSecretSchema,
  paymentDetailsKeySchema,
  phonePeSecretSchema,
} from '../../shared/config/app-config';
import { builtFrom, cachedSecret, clientFrom, parseSecret } from '../../shared/config/secrets';
import { ConfigError, PlaceholderCredentialsError } from '../../shared/errors';

const phonepe = {
  clientId: 'M22PROD1234',
  clientSecret: 'a-real-looking-client-secret-0042',
  clientVersion: '1',
  webhookUsername: 'hook_user',
  webhookPassword: 'hookpass99',
};
const cashfree = { clientId: 'CF12345ABCDE', clientSecret: 'cfsk_ma_prod_0123456789abcdef' };
const ring = { keyId: 'k2', key: 'k'.repeat(48), previousKeys: { k1: 'j'.repeat(48) } };

/** What `fn` threw (it must throw). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('did not throw');
}

describe('credential secrets refuse placeholders', () => {
  it('names the secret and every placeholder field of the PhonePe secret the stack creates, no value', () => {
    // infra/stateful-stack.ts's template, with the generated clientSecret.
    const created = { ...phonepe, clientId: 'SET_ME', webhookUsername: 'SET_ME', webhookPassword: 'SET_ME' };
    const error = thrown(() => parseSecret('PHONEPE', phonePeSecretSchema, created));
    expect(error).toBeInstanceOf(PlaceholderCredentialsError);
    expect(error).toMatchObject({
      secretName: 'PHONEPE',
      fields: ['clientId', 'webhookUsername', 'webhookPassword'],
    });
    expect(error.message).toContain('PHONEPE');
    expect(error.message).not.toContain(phonepe.clientSecret);
  });

  it.each([
    ['Cashfree', 'CASHFREE', cashfreeSecretSchema, { ...cashfree, clientId: 'SET_ME' }, ['clientId']],
    [
      'Cashfree',
      'CASHFREE',
      cashfreeSecretSchema,
      { ...cashfree, clientSecret: ' change_me ' },
      ['clientSecret'],
    ],
    [
      'PhonePe',
      'PHONEPE',
      phonePeSecretSchema,
      { ...phonepe, webhookPassword: 'PLACEHOLDER' },
      ['webhookPassword'],
    ],
    [
      'payment-details key',
      'PAYMENT_DETAILS_KEY',
      paymentDetailsKeySchema,
      { ...ring, keyId: 'SET_ME' },
      ['keyId'],
    ],
    [
      'payment-details key',
      'PAYMENT_DETAILS_KEY',
      paymentDetailsKeySchema,
      { ...ring, previousKeys: { k1: 'REPLACE_ME' } },
      ['previousKeys.k1'],
    ],
  ])('refuses a placeholder in the %s secret (%s %j)', (_what, name, schema, value, fields) => {
    const error = thrown(() => parseSecret(name, schema, value));
    expect(error).toBeInstanceOf(PlaceholderCredentialsError);
    expect((error as PlaceholderCredentialsError).fields).toEqual(fields);
  });

  it('accepts real values, and reports missing or malformed fields by name only', () => {
    expect(parseSecret('PHONEPE', phonePeSecretSchema, phonepe)).toEqual(phonepe);
    expect(parseSecret('CASHFREE', cashfreeSecretSchema, cashfree)).toEqual(cashfree);
    expect(parseSecret('PAYMENT_DETAILS_KEY', paymentDetailsKeySchema, ring)).toEqual(ring);
    // The stack's generated key secret has no previousKeys yet.
    expect(
      parseSecret('PAYMENT_DETAILS_KEY', paymentDetailsKeySchema, { keyId: 'k1', key: ring.key })
        .previousKeys,
    ).toEqual({});
    const missing = thrown(() =>
      parseSecret('CASHFREE', cashfreeSecretSchema, { clientId: cashfree.clientId }),
    );
    expect(missing).toBeInstanceOf(ConfigError);
    expect(missing).not.toBeInstanceOf(PlaceholderCredentialsError);
    expect(missing.message).toBe('Secret CASHFREE is missing or has invalid fields: clientSecret');
    const short = thrown(() =>
      parseSecret('PAYMENT_DETAILS_KEY', paymentDetailsKeySchema, { keyId: 'k1', key: 'too-short-secret' }),
    );
    expect(short.message).toContain('key');
    expect(short.message).not.toContain('too-short-secret');
  });

  it('refuses a key ring whose current id is also a previous one, or whose id cannot be stored', () => {
    const both = { ...ring, previousKeys: { k2: 'j'.repeat(48) } };
    expect(() => parseSecret('PAYMENT_DETAILS_KEY', paymentDetailsKeySchema, both)).toThrow(/previousKeys/);
    expect(() =>
      parseSecret('PAYMENT_DETAILS_KEY', paymentDetailsKeySchema, { ...ring, keyId: 'k:2' }),
    ).toThrow(/keyId/);
  });
});

/** An in-memory secret store: what Secrets Manager holds now, and how often it was read. */
function store(initial: unknown) {
  const s = { value: initial, reads: 0, fail: false };
  const read = async () => {
    s.reads += 1;
    if (s.fail) throw new Error('Secrets Manager unavailable');
    return structuredClone(s.value);
  };
  return Object.assign(s, { read });
}

describe('cached secrets (maxAge, refetch)', () => {
  it('reads once within maxAge and picks up a changed secret after it', async () => {
    const secrets = store(cashfree);
    let now = 1_000_000;
    const secret = cachedSecret('CASHFREE', cashfreeSecretSchema, {
      read: secrets.read,
      maxAgeSeconds: 300,
      now: () => now,
    });
    expect(await secret()).toEqual(cashfree);
    secrets.value = { ...cashfree, clientSecret: 'cfsk_rotated_0123456789' };
    now += 299_000;
    expect((await secret()).clientSecret).toBe(cashfree.clientSecret);
    expect(secrets.reads).toBe(1);
    now += 1_000;
    expect((await secret()).clientSecret).toBe('cfsk_rotated_0123456789');
    expect(secrets.reads).toBe(2);
  });

  it('keeps the same object while the content is the same, reads once for concurrent callers', async () => {
    const secrets = store(cashfree);
    let now = 0;
    const secret = cachedSecret('CASHFREE', cashfreeSecretSchema, {
      read: secrets.read,
      maxAgeSeconds: 10,
      now: () => now,
    });
    const [a, b, c] = await Promise.all([secret(), secret(), secret()]);
    expect(secrets.reads).toBe(1);
    expect(a).toBe(b);
    expect(b).toBe(c);
    now += 10_000;
    expect(await secret()).toBe(a);
    expect(secrets.reads).toBe(2);
  });

  it('refetches at once, and does not keep a failed read', async () => {
    const secrets = store(cashfree);
    const secret = cachedSecret('CASHFREE', cashfreeSecretSchema, { read: secrets.read, maxAgeSeconds: 300 });
    await secret();
    secrets.value = { ...cashfree, clientId: 'CF_ROTATED' };
    expect((await secret.refetch()).clientId).toBe('CF_ROTATED');
    secrets.fail = true;
    await expect(secret.refetch()).rejects.toThrow('unavailable');
    secrets.fail = false;
    expect((await secret.refetch()).clientId).toBe('CF_ROTATED');
    expect(secrets.reads).toBe(4);
  });

  it('refuses placeholders every time they are read, without keeping them', async () => {
    const secrets = store({ ...cashfree, clientId: 'SET_ME' });
    const secret = cachedSecret('CASHFREE', cashfreeSecretSchema, { read: secrets.read, maxAgeSeconds: 300 });
    await expect(secret()).rejects.toBeInstanceOf(PlaceholderCredentialsError);
    secrets.value = cashfree;
    expect(await secret()).toEqual(cashfree);
  });
});

describe('clients and ciphers built from a secret', () => {
  const counting = () => {
    const secrets = store(cashfree);
    let now = 0;
    const secret = cachedSecret('CASHFREE', cashfreeSecretSchema, {
      read: secrets.read,
      maxAgeSeconds: 60,
      now: () => now,
    });
    interface FakeClient {
      clientSecret: string;
      renew: () => Promise<FakeClient | null>;
    }
    const built: FakeClient[] = [];
    const client = clientFrom<CashfreeSecret, FakeClient>(secret, (value, renew) => {
      const c = { clientSecret: value.clientSecret, renew };
      built.push(c);
      return c;
    });
    return { secrets, client, built, advance: (ms: number) => (now += ms) };
  };

  it('keeps one client while the secret is unchanged and builds a new one after a rotation', async () => {
    const t = counting();
    const first = await t.client();
    t.advance(60_000);
    expect(await t.client()).toBe(first);
    t.secrets.value = { ...cashfree, clientSecret: 'cfsk_rotated_0123456789' };
    t.advance(60_000);
    const second = await t.client();
    expect(second).not.toBe(first);
    expect(second.clientSecret).toBe('cfsk_rotated_0123456789');
    expect(t.built).toHaveLength(2);
  });

  it('renew (a 401): the new client after one read, or null after exactly one read when unchanged', async () => {
    const t = counting();
    const first = await t.client();
    expect(await first.renew()).toBeNull();
    expect(t.secrets.reads).toBe(2);
    t.secrets.value = { ...cashfree, clientSecret: 'cfsk_rotated_0123456789' };
    const renewed = await first.renew();
    expect(renewed?.clientSecret).toBe('cfsk_rotated_0123456789');
    expect(t.secrets.reads).toBe(3);
    // A second request refused with the old credentials gets the new client without another read.
    expect(await first.renew()).toBe(renewed);
    expect(t.secrets.reads).toBe(3);
    expect(await t.client()).toBe(renewed);
  });

  it('rebuilds a cipher only when its secret changes', async () => {
    let value = { v: 1 };
    const derived = builtFrom(
      async () => value,
      (v) => ({ built: v.v }),
    );
    const a = await derived();
    expect(await derived()).toBe(a);
    value = { v: 2 };
    expect(await derived()).toEqual({ built: 2 });
  });
});
