import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Bank account numbers are encrypted at rest (AES-256-GCM), not tokenized: the payout needs the real number
 * for every Cashfree transfer and there is no token vault here to resolve a token. The key lives in Secrets
 * Manager (locally: a generated throwaway key); its id is stored with each value so keys can be rotated
 * (old ids stay readable while new writes use the new key).
 */
export class AccountCipherError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'AccountCipherError';
  }
}

export class AccountCipher {
  private readonly key: Buffer;

  public constructor(
    secret: string,
    public readonly keyId: string,
  ) {
    if (secret.length < 32)
      throw new AccountCipherError('The payment-details key must be at least 32 characters');
    // A 256-bit key from the secret text, whatever its encoding.
    this.key = createHash('sha256').update(secret, 'utf8').digest();
  }

  public encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [
      'v1',
      this.keyId,
      iv.toString('base64url'),
      ct.toString('base64url'),
      tag.toString('base64url'),
    ].join(':');
  }

  public decrypt(value: string): string {
    const [version, keyId, iv, ct, tag] = value.split(':');
    if (version !== 'v1' || !iv || !ct || !tag)
      throw new AccountCipherError('Unreadable encrypted account number');
    if (keyId !== this.keyId)
      throw new AccountCipherError(`Account number encrypted with key ${keyId}, not ${this.keyId}`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new AccountCipherError('Encrypted account number failed its integrity check');
    }
  }
}
