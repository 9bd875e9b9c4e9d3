import { constants, createPublicKey, publicEncrypt } from 'node:crypto';

/**
 * Cashfree Payouts 2FA by public key, for callers without a whitelisted IP (Lambda has none): every request
 * carries `X-Cf-Signature`, the client id and the current Unix time in whole seconds joined by a period,
 * RSA-encrypted with the public key Cashfree issues, OAEP padding (SHA-1, as Cashfree's PHP, Java and Node
 * samples use), base64. Cashfree accepts a signature for 10 minutes; a fresh one is made per request.
 */
export const CASHFREE_SIGNATURE_HEADER = 'x-cf-signature';

export function cashfreeSignaturePlaintext(clientId: string, nowMs: number): string {
  return `${clientId}.${Math.floor(nowMs / 1000)}`;
}

export function cashfreeSignature(clientId: string, publicKeyPem: string, nowMs: number): string {
  return publicEncrypt(
    { key: publicKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
    Buffer.from(cashfreeSignaturePlaintext(clientId, nowMs), 'utf8'),
  ).toString('base64');
}

/**
 * Whether the text is an RSA public key in PEM (SPKI "PUBLIC KEY" or PKCS#1 "RSA PUBLIC KEY"). A private key
 * would yield its public half, but it is never Cashfree's key: refused.
 */
export function isRsaPublicKeyPem(pem: string): boolean {
  if (pem.includes('PRIVATE KEY')) return false;
  try {
    return createPublicKey(pem).asymmetricKeyType === 'rsa';
  } catch {
    return false;
  }
}
