import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Bank account numbers are encrypted at rest (AES-256-GCM), not tokenized: the payout needs the real number
 * for every Cashfree transfer and there is no token vault here to resolve a token. The key lives in Secrets
 * Manager (locally: a generated throwaway key). Each value carries the id of the key that sealed it, so keys
 * rotate as a ring: new values are sealed with the current key, and values sealed with a previous key stay
 * readable for as long as that key is kept in the secret (docs/operations.md, "Rotating the payment-details key").
 */
export class AccountCipherError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'AccountCipherError';
  }
}

/** Key ids appear inside the stored value ("v1:<keyId>:..."), so they cannot contain the separator. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,32}$/;
export const MIN_KEY_LENGTH = 32;

function keyFrom(id: string, secret: string): Buffer {
  if (!KEY_ID_PATTERN.test(id))
    throw new AccountCipherError(`Key id "${id}" must be 1 to 32 of A-Z a-z 0-9 . _ -`);
  if (secret.length < MIN_KEY_LENGTH)
    throw new AccountCipherError(
      `The payment-details key ${id} must be at least ${MIN_KEY_LENGTH} characters`,
    );
  // A 256-bit key from the secret text, whatever its encoding.
  return createHash('sha256').update(secret, 'utf8').digest();
}

export class AccountCipher {
  private readonly keys = new Map<string, Buffer>();

  /**
   * `secret` and `keyId` are the current key (every new value); `previousKeys` (id -> secret) are the keys of a
   * rotation still needed to read older values.
   */
  public constructor(
    secret: string,
    public readonly keyId: string,
    previousKeys: Readonly<Record<string, string>> = {},
  ) {
    for (const [id, previous] of Object.entries(previousKeys)) {
      if (id === keyId) throw new AccountCipherError(`Key ${id} is both the current and a previous key`);
      this.keys.set(id, keyFrom(id, previous));
    }
    this.keys.set(keyId, keyFrom(keyId, secret));
  }

  public encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.keyId) as Buffer, iv);
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

  /** The id of the key that sealed a value (whether it needs re-sealing under the current key). */
  public static keyIdOf(value: string): string | null {
    const [version, keyId] = value.split(':');
    return version === 'v1' && keyId ? keyId : null;
  }

  public decrypt(value: string): string {
    const [version, keyId, iv, ct, tag] = value.split(':');
    if (version !== 'v1' || !keyId || !iv || !ct || !tag)
      throw new AccountCipherError('Unreadable encrypted account number');
    const key = this.keys.get(keyId);
    if (!key)
      throw new AccountCipherError(
        `Account number encrypted with key ${keyId}, which is neither the current key (${this.keyId}) nor a previous one`,
      );
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new AccountCipherError('Encrypted account number failed its integrity check');
    }
  }
}
