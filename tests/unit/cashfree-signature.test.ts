import { constants, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  cashfreeSignature,
  cashfreeSignaturePlaintext,
  isRsaPublicKeyPem,
} from '../../shared/clients/cashfree-signature';
import { cashfreeClientConfig } from '../../shared/config/app-config';
import { ConfigError } from '../../shared/errors';
import {
  checkTwoFactorSignature,
  SIGNATURE_MAX_AGE_SECONDS,
} from '../../infra/local/sandboxes/cashfree/two-factor';

const pair = () =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
const cashfree = pair();
const other = pair();
const CLIENT_ID = 'CF_TEST_CLIENT';
const NOW = Date.UTC(2030, 0, 1, 9, 30, 15, 987);

const decrypt = (signature: string, oaepHash: string, padding = constants.RSA_PKCS1_OAEP_PADDING) =>
  privateDecrypt(
    { key: cashfree.privateKey, padding, oaepHash },
    Buffer.from(signature, 'base64'),
  ).toString();

describe('the X-Cf-Signature the Cashfree client sends', () => {
  it('is base64 RSA-OAEP (SHA-1) of "<clientId>.<unix seconds>", the seconds whole', () => {
    const signature = cashfreeSignature(CLIENT_ID, cashfree.publicKey, NOW);
    expect(signature).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(decrypt(signature, 'sha1')).toBe(`${CLIENT_ID}.${Math.floor(NOW / 1000)}`);
    expect(cashfreeSignaturePlaintext(CLIENT_ID, NOW)).toBe('CF_TEST_CLIENT.1893490215');
    // Not OAEP with SHA-256, not PKCS#1 v1.5: those paddings cannot read it. (Node 22 answers a PKCS#1 v1.5
    // padding error with random bytes rather than an error, against timing attacks: either way, no plaintext.)
    const readWith = (read: () => string) => {
      try {
        return read();
      } catch {
        return null;
      }
    };
    const plaintext = `${CLIENT_ID}.${Math.floor(NOW / 1000)}`;
    expect(readWith(() => decrypt(signature, 'sha256'))).not.toBe(plaintext);
    expect(readWith(() => decrypt(signature, 'sha1', constants.RSA_PKCS1_PADDING))).not.toBe(plaintext);
  });

  it('differs at every call (OAEP is randomised), and each one is accepted', () => {
    const a = cashfreeSignature(CLIENT_ID, cashfree.publicKey, NOW);
    const b = cashfreeSignature(CLIENT_ID, cashfree.publicKey, NOW);
    expect(a).not.toBe(b);
    for (const s of [a, b]) {
      expect(
        checkTwoFactorSignature(s, {
          clientId: CLIENT_ID,
          privateKeyPem: cashfree.privateKey,
          nowMs: NOW,
          callerIp: '127.0.0.1',
        }),
      ).toEqual({ ok: true });
    }
  });
});

describe('the sandbox check of X-Cf-Signature', () => {
  const check = (header: string | undefined, nowMs = NOW, clientId = CLIENT_ID) =>
    checkTwoFactorSignature(header, {
      clientId,
      privateKeyPem: cashfree.privateKey,
      nowMs,
      callerIp: '10.1.2.3',
    });

  it('refuses a missing signature as Cashfree refuses a caller off its IP whitelist', () => {
    expect(check(undefined)).toEqual({
      ok: false,
      code: 'ip_not_whitelisted',
      message: 'IP not whitelisted. Your current ip is 10.1.2.3',
    });
  });

  it('refuses a signature for another client id, from another key, or that is no signature at all', () => {
    const mismatch = { ok: false, code: 'signature_mismatch', message: 'Signature mismatch' };
    expect(check(cashfreeSignature('CF_SOMEONE_ELSE', cashfree.publicKey, NOW))).toEqual(mismatch);
    expect(check(cashfreeSignature(CLIENT_ID, other.publicKey, NOW))).toEqual(mismatch);
    expect(check('bm90IGEgc2lnbmF0dXJl')).toEqual(mismatch);
    expect(check('%%%')).toEqual(mismatch);
  });

  it('accepts a signature up to 10 minutes old and refuses an older one, or one from a clock far ahead', () => {
    const signature = cashfreeSignature(CLIENT_ID, cashfree.publicKey, NOW);
    const signedAtMs = Math.floor(NOW / 1000) * 1000;
    expect(check(signature, signedAtMs + SIGNATURE_MAX_AGE_SECONDS * 1000)).toEqual({ ok: true });
    expect(check(signature, signedAtMs + (SIGNATURE_MAX_AGE_SECONDS + 1) * 1000)).toMatchObject({
      ok: false,
      code: 'signature_expired',
    });
    expect(check(signature, signedAtMs - 30_000)).toEqual({ ok: true });
    expect(check(signature, signedAtMs - 61_000)).toMatchObject({ ok: false, code: 'signature_expired' });
  });
});

describe('the Cashfree client settings', () => {
  const env = {
    CASHFREE_BASE_URL: 'https://api.cashfree.com/payout/',
    CASHFREE_TIMEOUT_MS: 10_000,
  } as const;
  const secret = { clientId: CLIENT_ID, clientSecret: 'secret' };

  it('signs with the public key from the secret', () => {
    const config = cashfreeClientConfig(
      { ...secret, publicKey: cashfree.publicKey },
      { ...env, CASHFREE_SIGNATURE_REQUIRED: 'true' },
    );
    expect(config).toMatchObject({
      baseUrl: 'https://api.cashfree.com/payout',
      publicKey: cashfree.publicKey,
    });
  });

  it('refuses to start without a public key where the signature is required, and not elsewhere', () => {
    expect(() => cashfreeClientConfig(secret, { ...env, CASHFREE_SIGNATURE_REQUIRED: 'true' })).toThrow(
      ConfigError,
    );
    expect(() => cashfreeClientConfig(secret, { ...env, CASHFREE_SIGNATURE_REQUIRED: 'true' })).toThrow(
      /publicKey/,
    );
    expect(cashfreeClientConfig(secret, { ...env, CASHFREE_SIGNATURE_REQUIRED: 'false' })).not.toHaveProperty(
      'publicKey',
    );
  });

  it('takes only an RSA public key in PEM as the public key', () => {
    const pkcs1 = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'pkcs1', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    }).publicKey;
    const ec = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    }).publicKey;
    expect(isRsaPublicKeyPem(cashfree.publicKey)).toBe(true);
    expect(isRsaPublicKeyPem(pkcs1)).toBe(true);
    expect(isRsaPublicKeyPem(cashfree.privateKey)).toBe(false);
    expect(isRsaPublicKeyPem(ec)).toBe(false);
    expect(isRsaPublicKeyPem('SET_ME')).toBe(false);
  });
});
