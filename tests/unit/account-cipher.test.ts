import { describe, expect, it } from 'vitest';
import { AccountCipher, AccountCipherError } from '../../shared/domain/account-cipher';

describe('account number encryption', () => {
  const cipher = new AccountCipher('a-throwaway-test-key-that-is-long-enough', 'k1');

  it('round-trips, never shows the number, and differs every time (random IV)', () => {
    const a = cipher.encrypt('110022003300');
    const b = cipher.encrypt('110022003300');
    expect(a).not.toContain('110022003300');
    expect(a).not.toBe(b);
    expect(cipher.decrypt(a)).toBe('110022003300');
  });

  it('refuses a tampered value, another key, and a short key', () => {
    const value = cipher.encrypt('110022003300');
    const parts = value.split(':');
    parts[3] = `${parts[3]!.slice(0, -2)}AA`;
    expect(() => cipher.decrypt(parts.join(':'))).toThrow(AccountCipherError);
    expect(() => new AccountCipher('another-throwaway-key-that-is-long-enough', 'k1').decrypt(value)).toThrow(
      AccountCipherError,
    );
    expect(() => new AccountCipher('another-throwaway-key-that-is-long-enough', 'k2').decrypt(value)).toThrow(
      /key k1/,
    );
    expect(() => new AccountCipher('short', 'k1')).toThrow(AccountCipherError);
  });
});

describe('key rotation (a key ring)', () => {
  const k1 = 'the-first-throwaway-key-long-enough-to-use';
  const k2 = 'the-second-throwaway-key-long-enough-to-use';
  const before = new AccountCipher(k1, 'k1');
  const after = new AccountCipher(k2, 'k2', { k1 });

  it('reads values sealed with a previous key and seals new ones with the current key', () => {
    const old = before.encrypt('110022003300');
    expect(after.decrypt(old)).toBe('110022003300');
    const fresh = after.encrypt('110022003300');
    expect(AccountCipher.keyIdOf(fresh)).toBe('k2');
    expect(AccountCipher.keyIdOf(old)).toBe('k1');
    expect(after.decrypt(fresh)).toBe('110022003300');
    // The previous ring cannot read what the new key sealed.
    expect(() => before.decrypt(fresh)).toThrow(/key k2, which is neither the current key \(k1\)/);
  });

  it('refuses a key dropped from the ring, a previous key under the wrong id, and an id used twice', () => {
    const old = before.encrypt('110022003300');
    expect(() => new AccountCipher(k2, 'k2').decrypt(old)).toThrow(AccountCipherError);
    expect(() => new AccountCipher(k2, 'k2', { k1: k2 }).decrypt(old)).toThrow(/integrity/);
    expect(() => new AccountCipher(k2, 'k2', { k2: k1 })).toThrow(/both the current and a previous key/);
    expect(() => new AccountCipher(k2, 'k:2')).toThrow(AccountCipherError);
    expect(() => new AccountCipher(k2, 'k2', { k1: 'short' })).toThrow(/k1 must be at least 32/);
  });
});
