import { constants, privateDecrypt } from 'node:crypto';

/**
 * The Cashfree side of Payouts 2FA by public key. Cashfree keeps the private half of the key pair whose
 * public half it issues to the merchant; with it configured, the sandbox decrypts `X-Cf-Signature` on every
 * Payouts call and refuses the call unless the signature names the caller's client id and a timestamp at most
 * 10 minutes old (Cashfree: "The generated signature expires after 10 minutes").
 */
/** Node lowercases header names: X-Cf-Signature. */
export const SIGNATURE_HEADER = 'x-cf-signature';
export const SIGNATURE_MAX_AGE_SECONDS = 600;
/** A signature from a clock this far ahead is still accepted (the caller's clock may run early). */
export const SIGNATURE_CLOCK_SKEW_SECONDS = 60;

export type TwoFactorCheck =
  | { ok: true }
  | { ok: false; code: 'ip_not_whitelisted' | 'signature_mismatch' | 'signature_expired'; message: string };

export function checkTwoFactorSignature(
  header: string | string[] | undefined,
  expected: { clientId: string; privateKeyPem: string; nowMs: number; callerIp: string },
): TwoFactorCheck {
  const signature = Array.isArray(header) ? header[0] : header;
  // No signature: Cashfree falls back to the IP whitelist, which a sandbox caller is never on.
  if (!signature) {
    return {
      ok: false,
      code: 'ip_not_whitelisted',
      message: `IP not whitelisted. Your current ip is ${expected.callerIp}`,
    };
  }
  let plaintext: string;
  try {
    plaintext = privateDecrypt(
      { key: expected.privateKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      Buffer.from(signature, 'base64'),
    ).toString('utf8');
  } catch {
    return { ok: false, code: 'signature_mismatch', message: 'Signature mismatch' };
  }
  // `<clientId>.<unix seconds>`; the legacy Node SDK sent fractional seconds, accepted too.
  const match = /^(.+)\.(\d{9,11}(?:\.\d+)?)$/.exec(plaintext);
  if (!match || match[1] !== expected.clientId) {
    return { ok: false, code: 'signature_mismatch', message: 'Signature mismatch' };
  }
  const ageSeconds = expected.nowMs / 1000 - Number(match[2]);
  if (ageSeconds > SIGNATURE_MAX_AGE_SECONDS || ageSeconds < -SIGNATURE_CLOCK_SKEW_SECONDS) {
    return { ok: false, code: 'signature_expired', message: 'Signature expired: generate a new one' };
  }
  return { ok: true };
}
