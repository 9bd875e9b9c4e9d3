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
